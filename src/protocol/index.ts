export * from './keeper.js';
export * from './api.js';
export * from './errors.js';
export * from './home.js';
