/** Pages of a member's history as the domain hands them out; cursors are the repositories' (opaque to clients). */
export { readCursor, type Page, type PageCursor } from '../../repositories/pageCursor.js';
