// Log capture for the keeper: line assembly, on-disk format, rotated files, per-service capture.
export { LineAssembler, LineSplitter, DEFAULT_MAX_LINE, utf8Cut } from './lines.js';
export type { LineCallback, ByteLineCallback, LineAssemblerOptions } from './lines.js';
export { LogFile } from './file.js';
export type { LogLimits, LogFileOptions, WriteFn } from './file.js';
export { formatLogLine, parseLogLine, RecordPrefix } from './format.js';
export type { StreamName, ParsedLogLine } from './format.js';
export { ServiceLog } from './capture.js';
export type { LogEntry, LogListener, ServiceLogOptions } from './capture.js';
