import type { Part } from '../core/part';
import { annotatePart } from './post/annotate.part';
import { cropDetectionPart, cropDetectionsGridPart } from './post/crop-detections.parts';
import { judgePart } from './post/judge.part';
import { measureBlobsPart, measureBrightnessPart } from './post/measure.parts';
import { edgeDetectPart, thresholdPart } from './pre/binary.parts';
import { cropPart, flipPart, resizePart, rotatePart } from './pre/geometry.parts';
import {
  blurPart,
  clahePart,
  convertFormatPart,
  grayscalePart,
  normalizePart,
  sharpenPart,
} from './pre/tone.parts';

/** Every part of compute-image, in palette order. */
export const IMAGE_PARTS: readonly Part[] = [
  resizePart,
  cropPart,
  rotatePart,
  flipPart,
  grayscalePart,
  normalizePart,
  clahePart,
  blurPart,
  sharpenPart,
  thresholdPart,
  edgeDetectPart,
  convertFormatPart,
  cropDetectionPart,
  cropDetectionsGridPart,
  annotatePart,
  measureBrightnessPart,
  measureBlobsPart,
  judgePart,
];
