import type { TensorView } from '../decoders/types';

export interface CtcOptions {
  blankIndex: number;
  /** The last class is a space character. */
  appendSpace: boolean;
}

export interface RecognizedText {
  text: string;
  /** Mean probability of the emitted characters (0 when none). */
  score: number;
}

/**
 * Greedy CTC decoding of one text line [1, T, K] (or [T, K]): best class per time step, repeats collapsed,
 * blanks dropped. Classes other than the blank map, in order, onto `dictionary` (+ a space when `appendSpace`).
 */
export function decodeCtc(
  probs: TensorView,
  dictionary: readonly string[],
  options: CtcOptions,
): RecognizedText {
  const steps = probs.dims.length === 3 ? (probs.dims[1] ?? 0) : (probs.dims[0] ?? 0);
  const classes = probs.dims.at(-1) ?? 0;
  const characters = options.appendSpace ? [...dictionary, ' '] : [...dictionary];
  if (classes !== characters.length + 1) {
    throw new Error(
      `ctc: model has ${classes} classes, dictionary gives ${characters.length} characters + blank`,
    );
  }
  let text = '';
  let scoreSum = 0;
  let emitted = 0;
  let previous = -1;
  for (let t = 0; t < steps; t++) {
    let best = 0;
    let bestScore = -Infinity;
    for (let k = 0; k < classes; k++) {
      const s = probs.data[t * classes + k] ?? 0;
      if (s > bestScore) {
        bestScore = s;
        best = k;
      }
    }
    if (best !== options.blankIndex && best !== previous) {
      text += characters[best > options.blankIndex ? best - 1 : best] ?? '';
      scoreSum += bestScore;
      emitted++;
    }
    previous = best;
  }
  return { text, score: emitted ? scoreSum / emitted : 0 };
}
