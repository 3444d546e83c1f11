// Validation of operator resources against the real CustomResourceDefinitions of their operators, vendored
// unchanged in deploy/k8s/crds (fetched from the Go module proxy and Maven Central by deploy/k8s/crds/fetch.sh).
//
// The API server validates a custom resource with the openAPIV3Schema of its version and then prunes every field
// the schema does not name (structural schemas): an object schema without `additionalProperties` keeps only its
// `properties`, unless it says `x-kubernetes-preserve-unknown-fields: true`. A misspelt field is therefore dropped
// silently on apply. To refuse it here, `strictSchema` makes that pruning explicit (`additionalProperties: false`
// on every such object) before ajv compiles the schema. allOf/anyOf/oneOf/not branches are left as they are:
// in a structural schema they only add value validations to properties the outer schema already names.
// `metadata` at the root is the API server's ObjectMeta, checked against the kubernetes-models schema instead.
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { type Json, type K8sObject, k8sDir } from './manifests';
import { unknownFields, validateWith } from './schema';

export const crdDir = join(k8sDir, 'crds');

type Schema = { [key: string]: Json };
type Crd = {
  kind: string;
  spec: {
    group: string;
    names: { kind: string };
    versions: { name: string; served: boolean; schema: { openAPIV3Schema: Schema } }[];
  };
};

const isObject = (value: Json | undefined): value is Schema =>
  value !== null && value !== undefined && typeof value === 'object' && !Array.isArray(value);

/** The schema with the API server's pruning turned into `additionalProperties: false` (see the file comment). */
export function strictSchema(schema: Schema): Schema {
  const out: Schema = { ...schema };
  const properties = isObject(schema['properties']) ? schema['properties'] : undefined;
  if (properties) {
    out['properties'] = Object.fromEntries(
      Object.entries(properties).map(([key, value]) => [key, isObject(value) ? strictSchema(value) : value]),
    );
  }
  if (isObject(schema['items'])) out['items'] = strictSchema(schema['items']);
  if (isObject(schema['additionalProperties'])) {
    out['additionalProperties'] = strictSchema(schema['additionalProperties']);
  }
  const preserves = schema['x-kubernetes-preserve-unknown-fields'] === true;
  const isObjectType = schema['type'] === 'object' || properties !== undefined;
  if (isObjectType && !preserves && schema['additionalProperties'] === undefined) {
    out['additionalProperties'] = false;
    if (schema['x-kubernetes-embedded-resource'] === true) {
      // An embedded object (e.g. a template) keeps its apiVersion, kind and metadata as well.
      out['properties'] = {
        apiVersion: { type: 'string' },
        kind: { type: 'string' },
        metadata: { type: 'object' },
        ...(isObject(out['properties']) ? out['properties'] : {}),
      };
    }
  }
  return out;
}

/** The root schema of a CRD version: strict, with `metadata` left to the ObjectMeta check. */
function rootSchema(openApi: Schema): Schema {
  const strict = strictSchema(openApi);
  const properties = isObject(strict['properties']) ? strict['properties'] : {};
  return { ...strict, properties: { ...properties, metadata: { type: 'object' } } };
}

export type CrdVersion = { key: string; source: string; schema: Schema };

let crdVersions: Map<string, CrdVersion> | undefined;

/** Every served version of every vendored CRD, by `<group>/<version>/<kind>`. */
export function loadCrds(): Map<string, CrdVersion> {
  if (crdVersions) return crdVersions;
  crdVersions = new Map();
  for (const dir of readdirSync(crdDir, { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    for (const file of readdirSync(join(crdDir, dir.name)).filter((f) => f.endsWith('.yaml'))) {
      const source = `${dir.name}/${file}`;
      for (const doc of parseAllDocuments(readFileSync(join(crdDir, dir.name, file), 'utf8'))) {
        const crd = doc.toJS() as Crd | null;
        if (crd?.kind !== 'CustomResourceDefinition') continue;
        for (const version of crd.spec.versions.filter((v) => v.served)) {
          const key = `${crd.spec.group}/${version.name}/${crd.spec.names.kind}`;
          crdVersions.set(key, { key, source, schema: version.schema.openAPIV3Schema });
        }
      }
    }
  }
  return crdVersions;
}

// Formats of the Kubernetes OpenAPI dialect (int32, int-or-string, date-time, ...) are not checked: the API server
// checks few of them, and a wrong format is not a misspelt field.
// Patterns are Go (RE2) expressions; the only RE2 syntax JavaScript lacks that these CRDs use is a leading `(?i)`
// (case-insensitive), which becomes the `i` flag.
const re2 = (pattern: string, flags: string): RegExp => {
  const caseInsensitive = /^(\^?)\(\?i\)/.exec(pattern);
  return caseInsensitive
    ? new RegExp(`${caseInsensitive[1]}${pattern.slice(caseInsensitive[0].length)}`, `${flags}i`)
    : new RegExp(pattern, flags);
};
re2.code = 're2';
const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false, code: { regExp: re2 } });
const validators = new Map<string, ValidateFunction>();

/** The CRD version for an object's apiVersion/kind, or undefined when none is vendored. */
export function crdFor(object: Pick<K8sObject, 'apiVersion' | 'kind'>): CrdVersion | undefined {
  const groupVersion = object.apiVersion.includes('/') ? object.apiVersion : `/${object.apiVersion}`;
  return loadCrds().get(`${groupVersion}/${object.kind}`);
}

const describe = (error: ErrorObject): string => {
  const path = error.instancePath.replace(/\//g, '.') || '.';
  if (error.keyword === 'additionalProperties') {
    const extra = (error.params as { additionalProperty: string }).additionalProperty;
    return `unknown field ${path === '.' ? '' : path}.${extra}`;
  }
  return `${path} ${error.message ?? error.keyword}`;
};

/**
 * Problems of an operator resource against its CRD: schema errors (unknown fields, types, enums, required) and
 * unknown or wrongly typed ObjectMeta fields. Throws when no CRD for the object is vendored.
 */
export async function crdProblems(object: K8sObject): Promise<string[]> {
  const crd = crdFor(object);
  if (!crd) throw new Error(`no CRD vendored for ${object.apiVersion} ${object.kind}`);
  let validate = validators.get(crd.key);
  if (!validate) {
    validate = ajv.compile(rootSchema(crd.schema));
    validators.set(crd.key, validate);
  }
  const problems: string[] = [];
  if (!validate(object)) problems.push(...(validate.errors ?? []).map(describe));
  // ObjectMeta through the smallest core model that embeds it (kubernetes-models ships no standalone export).
  const { ConfigMap } = await import('kubernetes-models/v1/ConfigMap');
  const carrier = { apiVersion: 'v1', kind: 'ConfigMap', metadata: object.metadata } as K8sObject;
  try {
    validateWith(ConfigMap, carrier);
  } catch (error) {
    problems.push(`.metadata: ${(error as Error).message}`);
  }
  problems.push(...unknownFields(ConfigMap, carrier).map((path) => `unknown field ${path}`));
  return [...new Set(problems)].sort();
}
