import type { z } from 'zod';
import { createDocument, type oas31, type ZodOpenApiContentObject, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject } from 'zod-openapi';

type SchemaObject = oas31.SchemaObject;
import { IMAGE_CONTENT_TYPES } from '../../models/imageFormats.js';
import { errorsOf, type Endpoint } from './endpoint.js';
import { ERROR_STATUS, type ApiErrorCode } from './errorStatus.js';
import { errorResponse } from './responses.js';

const binary: SchemaObject = { type: 'string', format: 'binary' };

/** Raw image bytes, or multipart with a file field `image` and the endpoint's text fields. */
function imageContent(fields: z.ZodObject | undefined): ZodOpenApiContentObject {
  const multipartFields = Object.fromEntries(Object.keys(fields?.shape ?? {}).map((name) => [name, { type: 'string' } satisfies SchemaObject]));
  return {
    ...Object.fromEntries(IMAGE_CONTENT_TYPES.map((type) => [type, { schema: binary }])),
    'multipart/form-data': { schema: { type: 'object', required: ['image'], properties: { image: binary, ...multipartFields } } },
  };
}

/** The error answers of an endpoint, grouped by status: "404: MEMBER_NOT_FOUND, FACE_NOT_FOUND". */
function errorResponses(codes: ApiErrorCode[]) {
  const byStatus = new Map<number, ApiErrorCode[]>();
  for (const code of codes) byStatus.set(ERROR_STATUS[code], [...(byStatus.get(ERROR_STATUS[code]) ?? []), code]);
  return Object.fromEntries(
    [...byStatus].map(([status, sameStatus]) => [String(status), { description: sameStatus.join(', '), content: { 'application/json': { schema: errorResponse } } }]),
  );
}

function operationOf(endpoint: Endpoint): ZodOpenApiOperationObject {
  const requestParams = {
    ...(endpoint.params ? { path: endpoint.params } : {}),
    ...(endpoint.query ? { query: endpoint.query as z.ZodObject } : {}),
  };
  const content = {
    ...(endpoint.image ? imageContent(endpoint.image.fields) : {}),
    ...(endpoint.json ? { 'application/json': { schema: endpoint.json } } : {}),
  };
  const responses = Object.fromEntries(
    Object.entries(endpoint.responses).map(([status, answer]) => [
      status,
      {
        description: answer.description,
        ...(answer.schema ? { content: { 'application/json': { schema: answer.schema } } } : {}),
        ...(answer.contentType ? { content: { [answer.contentType]: {} } } : {}),
      },
    ]),
  );
  return {
    summary: endpoint.summary,
    ...(endpoint.roles === 'public' ? { security: [] } : { 'x-roles': [...endpoint.roles, 'admin'] }),
    requestParams,
    ...(Object.keys(content).length > 0 ? { requestBody: { required: !endpoint.json || !endpoint.json.safeParse(undefined).success || Boolean(endpoint.image), content } } : {}),
    responses: { ...responses, ...errorResponses(errorsOf(endpoint)) },
  };
}

/** The API description served at /openapi.json, generated from the endpoint declarations. */
export function openApiDocument(endpoints: readonly Endpoint[], version: string) {
  const paths: ZodOpenApiPathsObject = {};
  for (const endpoint of endpoints) {
    const path = endpoint.path.replace(/:(\w+)/g, '{$1}');
    paths[path] = { ...paths[path], [endpoint.method]: operationOf(endpoint) };
  }
  return createDocument({
    openapi: '3.1.0',
    info: { title: 'Visage', version, description: 'Face-recognition membership: enroll, identify, verify and purge faces.' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths,
  });
}
