// Rule-based OK/NG judgement: every rule must pass for OK; each failing rule adds a readable reason.
import { definePart, out, port, PortKind, Verdict, type Detection, type Measurement } from '../../core/part';
import { ImageOpError } from '../../errors/image-op.error';

export type JudgeRule =
  | { type: 'detection-count'; label?: string; minScore?: number; min?: number; max?: number }
  | { type: 'text-match'; pattern: string; flags?: string; expect?: 'match' | 'no-match' }
  | { type: 'measurement-range'; name: string; min?: number; max?: number };

export interface JudgeParams {
  rules: JudgeRule[];
}

const rule = (type: string, properties: Record<string, unknown>, required: string[] = []) => ({
  type: 'object',
  additionalProperties: false,
  required: ['type', ...required],
  properties: { type: { type: 'string', const: type }, ...properties },
});

const bounds = {
  min: { type: 'number', description: 'Lowest passing value (inclusive).' },
  max: { type: 'number', description: 'Highest passing value (inclusive).' },
};

function describeBounds(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return `between ${min} and ${max}`;
  if (min !== undefined) return `at least ${min}`;
  return `at most ${max}`;
}

const inBounds = (v: number, min: number | undefined, max: number | undefined) =>
  (min === undefined || v >= min) && (max === undefined || v <= max);

export const judgePart = definePart<JudgeParams>({
  id: 'post.judge',
  version: '1.0.0',
  category: 'post',
  title: { en: 'OK/NG judgement', ja: 'OK/NG判定' },
  description: {
    en: 'Judges the product OK when every rule passes, NG otherwise with one reason per failing rule. Rules: number of detections (by label and score), a regular expression on the text (or on the detections’ recognised text), a measurement within a range. A judgement input that is NG makes this one NG too.',
    ja: '全ルールを満たせばOK、満たさなければ不合格ルールごとの理由付きでNGと判定します。ルール：検出数（ラベル・スコア指定可）、テキスト（または検出の認識文字列）の正規表現、計測値の範囲。入力の判定がNGなら結果もNGです。',
  },
  inputs: [
    port('detections', PortKind.DETECTIONS, false, { en: 'Detections', ja: '検出結果' }),
    port('text', PortKind.TEXT, false, { en: 'Text', ja: 'テキスト' }),
    port('measurements', PortKind.MEASUREMENTS, false, { en: 'Measurements', ja: '計測値' }),
    port('judgement', PortKind.JUDGEMENT, false, { en: 'Previous judgement', ja: '前段の判定' }),
  ],
  outputs: [port('judgement', PortKind.JUDGEMENT, true, { en: 'Judgement', ja: '判定' })],
  parameters: {
    type: 'object',
    additionalProperties: false,
    required: ['rules'],
    properties: {
      rules: {
        type: 'array',
        minItems: 1,
        maxItems: 100,
        items: {
          // Defaults inside oneOf are not applied by validators, so rule options default in code (see run).
          type: 'object',
          discriminator: { propertyName: 'type' },
          required: ['type'],
          properties: {
            type: { type: 'string', enum: ['detection-count', 'text-match', 'measurement-range'] },
          },
          oneOf: [
            rule('detection-count', {
              label: { type: 'string', description: 'Count only this label; absent or empty = any.' },
              minScore: {
                type: 'number',
                minimum: 0,
                maximum: 1,
                description: 'Count only detections scoring at least this (default 0).',
              },
              ...bounds,
            }),
            rule(
              'text-match',
              {
                pattern: {
                  type: 'string',
                  minLength: 1,
                  maxLength: 500,
                  description: 'JavaScript regular expression.',
                },
                flags: {
                  type: 'string',
                  pattern: '^[imsu]*$',
                  description: 'Regular expression flags (default none).',
                },
                expect: {
                  type: 'string',
                  enum: ['match', 'no-match'],
                  description: 'Pass when the text matches (default) or when it does not.',
                },
              },
              ['pattern'],
            ),
            rule('measurement-range', { name: { type: 'string', minLength: 1 }, ...bounds }, ['name']),
          ],
        },
      },
    },
  },
  async run(inputs, p) {
    const detections = inputs.optionalDetections('detections');
    const measurements = inputs.optionalMeasurements('measurements');
    const text =
      inputs.optionalText('text') ?? detections?.flatMap((d) => (d.text ? [d.text] : [])).join('\n');
    const previous = inputs.optionalJudgement('judgement');
    const reasons: string[] = previous?.verdict === Verdict.NG ? [...previous.reasons] : [];

    p.rules.forEach((r, i) => {
      const name = `rule ${i + 1} (${r.type})`;
      if (r.type !== 'text-match' && 'min' in r === false && 'max' in r === false) {
        throw new ImageOpError('INVALID_PARAMETERS', `post.judge: ${name} needs min, max or both`);
      }
      if (r.type === 'detection-count') {
        if (!detections)
          throw new ImageOpError(
            'INVALID_INPUT',
            `post.judge: ${name} needs the detections input, which is not connected`,
          );
        const label = r.label ?? '';
        const count = countDetections(detections, label, r.minScore ?? 0);
        if (!inBounds(count, r.min, r.max)) {
          reasons.push(
            `${count} detection(s)${label ? ` labelled "${label}"` : ''}, expected ${describeBounds(r.min, r.max)}`,
          );
        }
      } else if (r.type === 'text-match') {
        if (text === undefined) {
          throw new ImageOpError(
            'INVALID_INPUT',
            `post.judge: ${name} needs the text or detections input, neither is connected`,
          );
        }
        let regex: RegExp;
        try {
          regex = new RegExp(r.pattern, r.flags ?? '');
        } catch (error) {
          throw new ImageOpError(
            'INVALID_PARAMETERS',
            `post.judge: ${name}: invalid pattern (${(error as Error).message})`,
          );
        }
        const matched = regex.test(text);
        if (matched !== ((r.expect ?? 'match') === 'match')) {
          reasons.push(
            `text ${JSON.stringify(text)} ${matched ? 'matches' : 'does not match'} /${r.pattern}/${r.flags ?? ''}`,
          );
        }
      } else {
        if (!measurements)
          throw new ImageOpError(
            'INVALID_INPUT',
            `post.judge: ${name} needs the measurements input, which is not connected`,
          );
        const found = findMeasurement(measurements, r.name);
        if (!found) reasons.push(`measurement "${r.name}" is missing`);
        else if (!inBounds(found.value, r.min, r.max)) {
          reasons.push(
            `${r.name} = ${found.value}${found.unit ? ` ${found.unit}` : ''}, expected ${describeBounds(r.min, r.max)}`,
          );
        }
      }
    });
    return [out.judgement('judgement', { verdict: reasons.length === 0 ? Verdict.OK : Verdict.NG, reasons })];
  },
});

const countDetections = (detections: Detection[], label: string, minScore: number) =>
  detections.filter((d) => (label === '' || d.label === label) && d.score >= minScore).length;

const findMeasurement = (measurements: Measurement[], name: string) =>
  measurements.find((x) => x.name === name);
