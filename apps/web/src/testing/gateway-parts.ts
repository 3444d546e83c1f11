// Gateway-shaped parts (GET /api/v1/parts) built from libs/pipeline's test catalog, for unit tests.
import type { PartSpec } from '@imageflow/pipeline';
import { testCatalogParts } from '@imageflow/pipeline/testing';
import type { Part, PartPort } from '../api/types';

const port = (p: PartSpec['inputs'][number]): PartPort => ({
  name: p.name,
  kind: p.kind,
  required: p.required ?? true,
  title: { en: `${p.name} (en)`, ja: `${p.name}（ja）` },
});

export const toGatewayPart = (spec: PartSpec): Part => ({
  id: spec.id,
  version: spec.version,
  category: spec.category,
  stageKind: spec.stageKind,
  title: { en: `Title ${spec.id}`, ja: `タイトル ${spec.id}` },
  description: { en: `Does ${spec.id}`, ja: `${spec.id} を行う` },
  inputs: spec.inputs.map(port),
  outputs: spec.outputs.map(port),
  parametersSchema: spec.parametersSchema,
  source: '127.0.0.1:50051',
});

export const gatewayParts = (): Part[] => testCatalogParts.map(toGatewayPart);
