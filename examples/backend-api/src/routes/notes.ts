import { Hono, type Context } from 'hono';
import type { AppDeps, AppEnv } from '../deps';
import { optionalStringField, problem, readJsonObject, stringField, type Parsed } from '../http';

const TITLE = { min: 1, max: 200 };
const BODY = { min: 0, max: 10_000 };

function parseId(raw: string): Parsed<number> {
  const value = /^[1-9]\d{0,14}$/.test(raw) ? Number(raw) : 0;
  return value > 0
    ? { ok: true, value }
    : { ok: false, status: 400, code: 'invalid_request', message: 'The note id must be a positive integer.' };
}

function blankTitle(title: string | undefined): boolean {
  return title !== undefined && title.trim() === '';
}

const notFound = (c: Context) => problem(c, 404, 'not_found', 'Note not found.');

/**
 * CRUD routes for the current user's notes (mounted at `/notes`, behind the bearer middleware).
 * Another user's note is answered 404, never 403, so ids reveal nothing.
 *
 * @example
 * app.route('/notes', noteRoutes(deps));
 */
export function noteRoutes(deps: AppDeps): Hono<AppEnv> {
  const notes = new Hono<AppEnv>();

  notes.get('/', (c) => c.json(deps.notes.list(c.var.user.id)));

  notes.post('/', async (c) => {
    const body = await readJsonObject(c.req.raw);
    if (!body.ok) return problem(c, body.status, body.code, body.message);
    const title = stringField(body.value, 'title', TITLE);
    if (!title.ok) return problem(c, title.status, title.code, title.message);
    const text = optionalStringField(body.value, 'body', BODY);
    if (!text.ok) return problem(c, text.status, text.code, text.message);
    if (blankTitle(title.value)) return problem(c, 400, 'invalid_request', '"title" must not be blank.');
    return c.json(deps.notes.create(c.var.user.id, title.value, text.value ?? ''), 201);
  });

  notes.get('/:id', (c) => {
    const id = parseId(c.req.param('id'));
    if (!id.ok) return problem(c, id.status, id.code, id.message);
    const note = deps.notes.get(c.var.user.id, id.value);
    return note ? c.json(note) : notFound(c);
  });

  notes.patch('/:id', async (c) => {
    const id = parseId(c.req.param('id'));
    if (!id.ok) return problem(c, id.status, id.code, id.message);
    const body = await readJsonObject(c.req.raw);
    if (!body.ok) return problem(c, body.status, body.code, body.message);
    const title = optionalStringField(body.value, 'title', TITLE);
    if (!title.ok) return problem(c, title.status, title.code, title.message);
    const text = optionalStringField(body.value, 'body', BODY);
    if (!text.ok) return problem(c, text.status, text.code, text.message);
    if (title.value === undefined && text.value === undefined) {
      return problem(c, 400, 'invalid_request', 'Provide "title" and/or "body".');
    }
    if (blankTitle(title.value)) return problem(c, 400, 'invalid_request', '"title" must not be blank.');
    const note = deps.notes.update(c.var.user.id, id.value, { title: title.value, body: text.value });
    return note ? c.json(note) : notFound(c);
  });

  notes.delete('/:id', (c) => {
    const id = parseId(c.req.param('id'));
    if (!id.ok) return problem(c, id.status, id.code, id.message);
    return deps.notes.remove(c.var.user.id, id.value) ? c.body(null, 204) : notFound(c);
  });

  return notes;
}
