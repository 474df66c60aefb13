// Counts the statements a transaction runs (trx.withPlugin(log)), for tests
// that hold a store path to the number of statements it costs (issue 21).
import { statementNodeOf } from '../../src/delivery/store/compiled-statement.js';
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryId, QueryResult, RootOperationNode, UnknownRow } from 'kysely';

/** Notes every statement a transaction runs, as Kysely's operation tree. */
export class StatementLog implements KyselyPlugin {
  readonly nodes: RootOperationNode[] = [];
  /** Kysely also hands a plugin the subqueries it builds, which never run alone: a statement is noted when its result comes. */
  private readonly built = new Map<QueryId, RootOperationNode>();
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.built.set(args.queryId, args.node);
    return args.node;
  }
  /** Statements run from SQL text compiled beforehand (store/compiled-insert.ts, record-event.ts EventInsert): no tree is built for them. A CompiledStatement's run gives its tree (statementNodeOf), noted as a built one's. */
  compiled = 0;
  transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    const node = this.built.get(args.queryId) ?? statementNodeOf(args.queryId);
    if (node) this.nodes.push(node);
    else this.compiled++;
    return Promise.resolve(args.result);
  }
  /** Every statement run, built or compiled beforehand. */
  statements(): number {
    return this.nodes.length + this.compiled;
  }
  /** The statements that name the messages table anywhere (main table or subquery). */
  onMessages(): number {
    return this.nodes.filter((n) => JSON.stringify(n).includes('"name":"messages"')).length;
  }
  /** The reads (SELECT statements). */
  reads(): number {
    return this.nodes.filter((n) => n.kind === 'SelectQueryNode').length;
  }
}
