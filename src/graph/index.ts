// The graph module's public surface: dependency order, start/stop sets, cycles, rendering.
export { DepGraph } from './graph.js';
export type { WaitCondition, Waiting } from './graph.js';
export { toText, toDot, edgesOf } from './render.js';
export type { Visible } from './render.js';
export { elementaryCycles, stronglyConnected } from './cycles.js';
export { layers } from './layers.js';
