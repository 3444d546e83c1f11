export { ImageOps, type ImageOpsOptions } from './image-ops';
export { ImageOpError, isImageOpError, type ImageOpErrorCode } from './errors/image-op.error';
export { configureSharp, DEFAULT_LIMITS, type ImageLimits, type SharpTuning } from './adapters/sharp.adapter';
export { IMAGE_PARTS } from './parts';
export { STAGE_KIND, type Part } from './core/part';
