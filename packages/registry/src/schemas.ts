/** JSON Schemas (ajv) for every document the registry reads back: index, manifests, metadata. */

const digest = { type: 'string', pattern: '^sha256:[0-9a-f]{64}$' } as const;
const annotations = { type: 'object', additionalProperties: { type: 'string' } } as const;

export const descriptorSchema = {
  type: 'object',
  required: ['mediaType', 'digest', 'size'],
  properties: {
    mediaType: { type: 'string', minLength: 1 },
    digest,
    size: { type: 'integer', minimum: 0 },
    artifactType: { type: 'string' },
    annotations,
    urls: { type: 'array', items: { type: 'string' } },
    platform: { type: 'object' },
    data: { type: 'string' },
  },
} as const;

export const indexSchema = {
  type: 'object',
  required: ['schemaVersion', 'manifests'],
  properties: {
    schemaVersion: { const: 2 },
    mediaType: { type: 'string' },
    artifactType: { type: 'string' },
    manifests: { type: 'array', items: descriptorSchema },
    annotations,
    subject: descriptorSchema,
  },
} as const;

export const manifestSchema = {
  type: 'object',
  required: ['schemaVersion', 'config', 'layers'],
  properties: {
    schemaVersion: { const: 2 },
    mediaType: { type: 'string' },
    artifactType: { type: 'string' },
    config: descriptorSchema,
    layers: { type: 'array', items: descriptorSchema },
    annotations,
    subject: descriptorSchema,
  },
} as const;

const parent = {
  type: 'object',
  required: ['ref', 'digest'],
  additionalProperties: false,
  properties: { ref: { type: 'string' }, digest },
} as const;

/** The config blob of an mlship artifact. */
export const metadataSchema = {
  type: 'object',
  required: ['schemaVersion', 'kind', 'name', 'version', 'created', 'contentDigest', 'parents'],
  properties: {
    schemaVersion: { const: 1 },
    kind: { enum: ['datasets', 'models', 'packages', 'images', 'deployments'] },
    name: { type: 'string', pattern: '^[a-z0-9]+(?:[._-][a-z0-9]+)*$' },
    version: { type: 'integer', minimum: 1 },
    created: { type: 'string' },
    contentDigest: digest,
    status: { enum: ['ok', 'failed'] },
    parents: { type: 'array', items: parent },
    params: { type: 'object' },
    metrics: { type: 'object', additionalProperties: { type: ['number', 'null', 'object', 'array', 'string'] } },
    labels: annotations,
    git: {
      type: ['object', 'null'],
      properties: {
        commit: { type: ['string', 'null'] },
        branch: { type: ['string', 'null'] },
        remote: { type: 'string' },
        dirty: { type: 'boolean' },
      },
    },
    environment: { type: 'object' },
    extra: { type: 'object' },
  },
} as const;

const stringMap = { type: ['object', 'null'], additionalProperties: { type: 'string' } } as const;
const stringList = { type: ['array', 'null'], items: { type: 'string' } } as const;

/** The config of a container image (OCI image spec, or Docker's), as far as mlship reads it. */
export const imageConfigSchema = {
  type: 'object',
  required: ['architecture', 'os'],
  properties: {
    architecture: { type: 'string', minLength: 1 },
    os: { type: 'string', minLength: 1 },
    variant: { type: 'string' },
    created: { type: 'string' },
    config: {
      type: ['object', 'null'],
      properties: {
        Labels: stringMap,
        Entrypoint: stringList,
        Cmd: stringList,
        Env: stringList,
        ExposedPorts: { type: ['object', 'null'] },
        WorkingDir: { type: 'string' },
        User: { type: 'string' },
      },
    },
    rootfs: { type: 'object' },
  },
} as const;
