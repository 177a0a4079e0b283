/**
 * What a store has learnt about its types from batches it committed, so the next batch of a
 * run does not read them again: the declarations it applied, the types it resolved (id and
 * property kinds) and the custom properties known to hold doubles. A typical run declares four
 * types in every batch; on PostgreSQL that was 16 of a run's 36 round trips.
 *
 * Only committed work is remembered: each transaction attempt writes into a draft, and the store
 * folds the draft in after the commit, so a rolled-back or retried batch leaves nothing behind.
 * Types only grow in MLMD (properties are added, never retyped), so a remembered type stays
 * true; when a batch uses a property the remembered type lacks (another writer added it), the
 * type is read again. Declaring types through `putTypes` forgets everything.
 */
import type { PropertyTypeName } from '../../model/enums.js';

export interface ResolvedType {
  id: number;
  name: string;
  properties: Map<string, PropertyTypeName>;
}

/** One transaction attempt's findings, folded into the memo only after it commits. */
export class TypeDraft {
  readonly declared = new Set<string>();
  readonly resolved = new Map<string, ResolvedType>();
  readonly doubles = new Set<string>();
  constructor(readonly memo: TypeMemo) {}
}

export class TypeMemo {
  readonly declared = new Set<string>();
  readonly resolved = new Map<string, ResolvedType>();
  readonly doubles = new Set<string>();

  draft(): TypeDraft {
    return new TypeDraft(this);
  }

  /** Fold in what a committed transaction learnt. */
  commit(draft: TypeDraft | undefined): void {
    if (!draft) return;
    for (const key of draft.declared) this.declared.add(key);
    for (const [key, type] of draft.resolved) this.resolved.set(key, type);
    for (const key of draft.doubles) this.doubles.add(key);
  }

  /** After a write that may change types in ways a draft does not track. */
  forget(): void {
    this.declared.clear();
    this.resolved.clear();
    this.doubles.clear();
  }
}
