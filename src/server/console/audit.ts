// Writing an audit row for what a signed-in operator did through the console.
import type { FastifyRequest } from 'fastify';
import type { AuditAction } from '../../delivery/store/audit-log.js';

/** Records `action` on `target` by the request's session, from the request's address. Details: ids, versions, reasons; never a profile value. */
export type Audit = (req: FastifyRequest, action: AuditAction, target: string | null, details?: Record<string, unknown>) => Promise<void>;
