/**
 * Issue 4 in a real browser: notes CRUD through the UI (the /notes Client Component calls
 * /api/backend/notes with bffFetch; the app attaches the token on the server), and a second user in
 * a second browser context who can neither see nor change the first user's notes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { launchBrowser, type TestBrowser } from '../support/browser';
import { WAIT_MS, expectText, newTestContext, signInWithLoginForm, textOf } from '../support/pages';
import { startStack, type Stack } from '../support/stack';

const DEMO = { email: 'demo@example.com', password: 'demo-password', name: 'Demo User' };
const SECOND = { email: 'second@example.com', password: 'second-password', name: 'Second User' };

type Note = { id: number | string; title: string; body: string };

let stack: Stack;
let browser: TestBrowser;
let demo: { context: BrowserContext; page: Page };
let second: { context: BrowserContext; page: Page };
const url = (path: string) => stack.app.url + path;

beforeAll(async () => {
  [stack, browser] = await Promise.all([startStack(), launchBrowser()]);
  demo = await signedInContext(DEMO);
  second = await signedInContext(SECOND);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

async function signedInContext(user: { email: string; password: string; name: string }) {
  const context = await newTestContext(browser);
  const page = await context.newPage();
  await page.goto(url('/notes'));
  await page.waitForURL((u) => u.pathname === '/login' && u.searchParams.get('returnTo') === '/notes');
  await signInWithLoginForm(page, user);
  await page.waitForURL((u) => u.pathname === '/notes');
  await page.getByTestId('session-status').getByText(`Signed in as ${user.name}`, { exact: true }).waitFor();
  await waitForList(page);
  return { context, page };
}

/** Waits until the notes page finished loading (list, empty state, or error). */
async function waitForList(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const main = document.querySelector('main');
    return !!main && main.querySelector('form[aria-label="New note"]') !== null && !main.textContent?.includes('Loading notes');
  }, undefined, { timeout: WAIT_MS });
}

async function titles(page: Page): Promise<string[]> {
  return (await page.getByTestId('note-title').allInnerTexts()).map((t) => t.trim());
}

/** The user's notes as the backend stores them (asked directly, with the user's own token). */
async function backendNotes(user: { email: string; password: string }): Promise<Note[]> {
  const { access_token } = await stack.backend.login(user.email, user.password);
  const res = await fetch(`${stack.backend.url}/notes`, { headers: { authorization: `Bearer ${access_token}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as Note[];
}

function item(page: Page, title: string) {
  return page.getByTestId('note-item').filter({ has: page.getByTestId('note-title').getByText(title, { exact: true }) });
}

describe('notes CRUD through the forwarding route', () => {
  it('creates, edits and deletes notes in the UI, and the backend stores exactly that', async () => {
    const { page } = demo;
    const before = await stack.backend.stats();

    for (const [title, body] of [
      ['Groceries', 'milk, eggs'],
      ['Ideas', 'a BFF for every app'],
      ['Temporary', 'delete me'],
    ] as const) {
      await page.getByTestId('note-title-input').fill(title);
      await page.getByTestId('note-body-input').fill(body);
      await page.getByTestId('note-create').click();
      await expect.poll(() => titles(page), { timeout: WAIT_MS }).toContain(title);
      // The form resets after a stored note.
      await expect.poll(() => page.getByTestId('note-title-input').inputValue(), { timeout: WAIT_MS }).toBe('');
    }
    await expect(item(page, 'Ideas').getByTestId('note-body').innerText()).resolves.toBe('a BFF for every app');

    // Edit
    await item(page, 'Groceries').getByTestId('note-edit').click();
    await page.getByTestId('note-edit-title').fill('Groceries (Saturday)');
    await page.getByTestId('note-save').click();
    await expect.poll(() => titles(page), { timeout: WAIT_MS }).toContain('Groceries (Saturday)');
    expect(await titles(page)).not.toContain('Groceries');

    // Delete
    await item(page, 'Temporary').getByTestId('note-delete').click();
    await expect.poll(() => titles(page), { timeout: WAIT_MS }).not.toContain('Temporary');

    // A reload shows what the backend has (nothing is kept only in the page).
    await page.reload();
    await waitForList(page);
    expect((await titles(page)).sort()).toEqual(['Groceries (Saturday)', 'Ideas']);
    expect(await textOf(page, 'notes-error')).toBe('');

    const stored = await backendNotes(DEMO);
    expect(stored.map((n) => n.title).sort()).toEqual(['Groceries (Saturday)', 'Ideas']);
    expect(stored.find((n) => n.title === 'Groceries (Saturday)')?.body).toBe('milk, eggs');

    // Every call went through the app to the backend with the app's token: no expired or invalid token.
    const after = await stack.backend.stats();
    expect(after.requests).toBeGreaterThan(before.requests);
    expect(after.invalid_token_requests - before.invalid_token_requests).toBe(0);
  });

  it('shows a validation error for a blank title without calling the backend', async () => {
    const { page } = demo;
    const before = (await stack.backend.stats()).requests;
    await page.getByTestId('note-title-input').fill('   ');
    await page.getByTestId('note-create').click();
    await expectText(page, 'notes-error').toBe('Give the note a title.');
    expect((await stack.backend.stats()).requests).toBe(before);
  });
});

describe('another user', () => {
  it('sees none of the first user\'s notes, and the first user sees none of theirs', async () => {
    expect(await titles(second.page)).toEqual([]);
    await second.page.getByTestId('note-title-input').fill('Second user only');
    await second.page.getByTestId('note-create').click();
    await expect.poll(() => titles(second.page), { timeout: WAIT_MS }).toEqual(['Second user only']);

    await demo.page.reload();
    await waitForList(demo.page);
    expect(await titles(demo.page)).not.toContain('Second user only');
    await second.page.reload();
    await waitForList(second.page);
    expect(await titles(second.page)).toEqual(['Second user only']);
  });

  it('cannot read, change or delete the first user\'s notes by id from their own page (404), and nothing changes', async () => {
    const victims = await backendNotes(DEMO);
    expect(victims.length).toBeGreaterThan(0);
    const ids = victims.map((n) => String(n.id));

    const results = await second.page.evaluate(async (noteIds) => {
      const out: { method: string; id: string; status: number; code?: string }[] = [];
      for (const id of noteIds) {
        for (const [method, body] of [
          ['GET', undefined],
          ['PATCH', JSON.stringify({ title: 'hijacked', body: 'by second' })],
          ['DELETE', undefined],
        ] as const) {
          const res = await fetch(`/api/backend/notes/${encodeURIComponent(id)}`, {
            method,
            credentials: 'same-origin',
            headers: { 'x-csrf': '1', ...(body ? { 'content-type': 'application/json' } : {}) },
            body,
          });
          const json = (await res.json().catch(() => ({}))) as { code?: string };
          out.push({ method, id, status: res.status, code: json.code });
        }
      }
      return out;
    }, ids);

    expect(results).toHaveLength(ids.length * 3);
    for (const r of results) {
      expect(r.status, `${r.method} /notes/${r.id}`).toBe(404);
      expect(r.code).toBe('not_found');
    }
    // The first user's notes are untouched.
    const after = await backendNotes(DEMO);
    expect(after).toEqual(victims);
    await demo.page.reload();
    await waitForList(demo.page);
    expect((await titles(demo.page)).sort()).toEqual(victims.map((n) => n.title).sort());
  });

  it('a signed-out browser gets 401 JSON from the forwarding route and the notes page sends it to /login', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(url('/'));
      const res = await page.evaluate(async () => {
        const r = await fetch('/api/backend/notes', { headers: { 'x-csrf': '1' } });
        return { status: r.status, type: r.headers.get('content-type'), body: (await r.json()) as { code?: string } };
      });
      expect(res.status).toBe(401);
      expect(res.type).toMatch(/^application\/json/);
      expect(res.body.code).toBe('unauthenticated');
      await page.goto(url('/notes'));
      await page.waitForURL((u) => u.pathname === '/login' && u.searchParams.get('returnTo') === '/notes');
    } finally {
      await context.close();
    }
  });
});
