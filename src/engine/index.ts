// The Engine client's public surface, for the other layers (and moor's library API).
export { EngineClient } from './client.js';
export type { EngineClientOptions } from './client.js';
export { EngineError, isEngineError } from './errors.js';
export type { EngineErrorKind } from './errors.js';
export { DEFAULT_HOST, parseEndpoint, isLoopback } from './endpoint.js';
export type { Endpoint, EndpointOptions, Env } from './endpoint.js';
export { encodeFilters, labelFilter } from './filters.js';
export type { Filters } from './filters.js';
export { encodeRegistryAuth } from './auth.js';
export type { RegistryAuth } from './auth.js';
export { CLIENT_MAX_API_VERSION, CLIENT_MIN_API_VERSION } from './version.js';
export type { ContainerListOptions } from './containers.js';
export type { EventOptions } from './events.js';
export type { LogChunk, LogOptions } from './logs.js';
export type { PullOptions } from './images.js';
export type { ServiceUpdateOptions } from './services.js';
export type { EngineStream, RequestCounters, RequestEvent, RequestHook } from './transport.js';
export type * from './types.js';
