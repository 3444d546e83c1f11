// compute-ai's parts: the inference library's AI parts with the default models of this service's configuration.
import { createAiParts as createParts, type AiPart, type InferenceService } from '@imageflow/inference';
import type { ComputeAiConfig } from '../compute-ai.config';

export type { AiPart, PartResult } from '@imageflow/inference';

export const createAiParts = (service: InferenceService, config: ComputeAiConfig): AiPart[] =>
  createParts(service, {
    detectionModel: config.COMPUTE_AI_DETECTION_MODEL,
    classificationModel: config.COMPUTE_AI_CLASSIFICATION_MODEL,
    textDetectionModel: config.COMPUTE_AI_TEXT_DETECTION_MODEL,
    textRecognitionModel: config.COMPUTE_AI_TEXT_RECOGNITION_MODEL,
    textOrientationModel: config.COMPUTE_AI_TEXT_ORIENTATION_MODEL,
  });
