/**
 * Opaque keyset page tokens: the sort key and id of the last row served. The next page starts
 * strictly after it, so rows inserted meanwhile never shift or repeat a page (offsets would).
 */
import { MlmetaError } from '../errors.js';

export type OrderBy = 'id' | 'createTime' | 'updateTime';

export interface PagePosition {
  orderBy: OrderBy;
  descending: boolean;
  /** The last row's sort value and id. */
  value: number;
  id: number;
}

export function encodePageToken(position: PagePosition): string {
  const body = [position.orderBy, position.descending ? 1 : 0, position.value, position.id];
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

export function decodePageToken(token: string, orderBy: OrderBy, descending: boolean): PagePosition {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    body = undefined;
  }
  if (
    !Array.isArray(body) ||
    body.length !== 4 ||
    typeof body[2] !== 'number' ||
    typeof body[3] !== 'number' ||
    !['id', 'createTime', 'updateTime'].includes(body[0])
  ) {
    throw new MlmetaError(
      'INVALID_ARGUMENT',
      'pageToken is not one this store issued; pass a nextPageToken unchanged',
    );
  }
  if (body[0] !== orderBy || (body[1] === 1) !== descending) {
    throw new MlmetaError(
      'INVALID_ARGUMENT',
      `pageToken was issued for orderBy=${body[0]}${body[1] === 1 ? ' descending' : ''}; ask for the next page with the same ordering`,
    );
  }
  return { orderBy, descending, value: body[2], id: body[3] };
}
