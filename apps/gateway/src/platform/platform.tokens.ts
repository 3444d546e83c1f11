// Injection tokens of the I/O adapters. Each adapter is created once, in PlatformModule, and nowhere else.
export const LOGGER = Symbol('LOGGER');
export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');
export const OBJECT_STORE = Symbol('OBJECT_STORE');
export const DB_POOL = Symbol('DB_POOL');
export const KAFKA = Symbol('KAFKA');
export const EVENT_SERDE = Symbol('EVENT_SERDE');
export const EVENT_PRODUCER = Symbol('EVENT_PRODUCER');
