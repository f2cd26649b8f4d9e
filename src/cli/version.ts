export { VERSION, BUILD } from '../protocol/version.js';
