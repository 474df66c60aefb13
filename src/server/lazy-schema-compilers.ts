// Fastify makes its JSON-schema compilers (ajv for validation,
// fast-json-stringify for responses) when an instance is created, though no
// route of the service declares a schema: about 110 module files and a few
// MB that every idle process would hold (issue 21). These factories load the
// same compilers, from Fastify's own dependencies, the first time a route
// with a schema needs one, so such a route validates and serializes as
// before. One difference: Fastify counts factories given here as custom and
// then leaves a `headers` schema's property names as written instead of
// lower-casing them, so a headers schema must name headers in lower case.
import { createRequire } from 'node:module';
import type { FastifyServerOptions } from 'fastify';

type Factories = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;
type ValidatorFactory = NonNullable<Factories['buildValidator']>;
type SerializerFactory = NonNullable<Factories['buildSerializer']>;

// Resolved from Fastify's location: they are its dependencies, not ours.
const fromFastify = () => createRequire(createRequire(import.meta.url).resolve('fastify'));

/** A compiler factory that requires its package (a selector returning the factory) on its first call. */
function loadedOnFirstCall(pkg: string): (...args: unknown[]) => unknown {
  let factory: ((...args: unknown[]) => unknown) | undefined;
  return (...args) => (factory ??= (fromFastify()(pkg) as () => (...args: unknown[]) => unknown)())(...args);
}

export function lazySchemaCompilers(): Required<Factories> {
  return {
    buildValidator: loadedOnFirstCall('@fastify/ajv-compiler') as ValidatorFactory,
    buildSerializer: loadedOnFirstCall('@fastify/fast-json-stringify-compiler') as SerializerFactory,
  };
}
