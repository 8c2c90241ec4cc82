/**
 * The files `bffkit init` writes: the same code README.md's "Using bffkit in your app" shows (for
 * the default preset, a TypeScript app with the `@/` alias), so the README and the generated app
 * cannot drift (tests/integration/init-readme.test.ts compares them). Paths are relative to where
 * `app/` lives (the project root, or `src/`).
 */
import { CREDENTIALS_PRESETS } from '../core/backends/credentials-presets';
import type { CredentialsPresetName } from '../core/backends/credentials-types';

/** One generated file: its path (TypeScript names) and content. */
export interface TemplateFile {
  path: string;
  content: string;
}

/**
 * `lib/bff.ts` for a preset: the README's file for `oauth2`; other presets name themselves and their user path.
 *
 * @example
 * libBff('payload'); // "… credentialsBackend({ preset: 'payload', url: process.env.BACKEND_URL }) …"
 */
export function libBff(preset: CredentialsPresetName): string {
  const backend = preset === 'oauth2' ? '{ url: process.env.BACKEND_URL }' : `{ preset: '${preset}', url: process.env.BACKEND_URL }`;
  const userPath = CREDENTIALS_PRESETS[preset].user?.path;
  const allow =
    preset === 'oauth2'
      ? `        { path: '/notes', methods: ['GET', 'POST', 'PATCH', 'DELETE'] },
        { path: '/auth/me', methods: ['GET'] },`
      : `        // The paths of your API the browser may call, e.g. { path: '/notes', methods: ['GET', 'POST'] },${
          typeof userPath === 'string' ? `\n        { path: '${userPath}', methods: ['GET'] },` : ''
        }`;
  return `import 'server-only';
import { credentialsBackend } from 'bffkit';
import { createBffNext } from 'bffkit/next';

export const bff = createBffNext(() => ({
  secret: process.env.BFF_SECRET, // ≥ 32 chars; a comma-separated list rotates (first seals, all unseal)
  baseUrl: process.env.APP_URL, // https://app.example.com — never taken from Host
  backend: credentialsBackend(${backend}),
  defaultReturnTo: '/profile',
  upstreams: {
    api: {
      url: process.env.BACKEND_URL,
      mount: '/api/backend',
      allow: [
${allow}
      ],
    },
  },
}));
`;
}

export const AUTH_ROUTE = `import { bff } from '@/lib/bff';
export const { GET, POST } = bff.authRoutes;
`;

export const FORWARD_ROUTE = `import { bff } from '@/lib/bff';
export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = bff.forwardRoutes('api');
`;

export const PROXY = `import { bff } from '@/lib/bff';

export const proxy = bff.proxy({ protectedPaths: ['/profile'] });

export const config = {
  matcher: [
    // Every request but Next's build assets and bffkit's route handlers.
    '/((?!_next/static/|_next/image|api/auth/|api/backend/).*)',
  ],
};
`;

export const SESSION_STATUS = `'use client';
import { useSession } from 'bffkit/react';

export function SessionStatus() {
  const { status, user, signOut } = useSession();
  if (status !== 'authenticated') return <a href="/login">Sign in</a>;
  return (
    <form
      method="post"
      action="/api/auth/logout"
      onSubmit={async (event) => {
        event.preventDefault();
        await signOut();
        window.location.assign('/login'); // a full load drops what the client cached for this user
      }}
    >
      Signed in as {user?.name ?? user?.email} <button type="submit">Sign out</button>
    </form>
  );
}
`;

export const LOGIN_FORM = `'use client';
import { useState, type FormEvent, type ReactNode } from 'react';
import { useSessionActions } from 'bffkit/react';

// A plain form post to bffkit, so signing in works without JavaScript (the answer is a 303). With
// JavaScript it signs in with fetch instead: a wrong password shows its message without a page load.
export function LoginForm({ returnTo, error, children }: { returnTo: string; error: string | null; children: ReactNode }) {
  const { signIn } = useSessionActions();
  const [message, setMessage] = useState(error);
  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const result = await signIn({ email: String(form.get('email')), password: String(form.get('password')), returnTo });
    if (result.ok) window.location.assign(result.redirectTo); // a full load: nothing cached from before
    else setMessage(result.message);
  }
  return (
    <form method="post" action="/api/auth/login" onSubmit={onSubmit}>
      {message && <p role="alert">{message}</p>}
      <input type="hidden" name="returnTo" value={returnTo} />
      {children}
    </form>
  );
}
`;

export const LOGIN_PAGE = `import { LoginForm } from '@/components/login-form';

// Rendered whole for each request: the form must work without JavaScript, with returnTo and the
// error from the query string (a streamed part needs JavaScript to appear).
export const instant = false;

const ERRORS: Record<string, string> = {
  login_failed: 'Invalid email or password.',
  rate_limited: 'Too many attempts. Try again later.',
  upstream_unavailable: 'Signing in is not possible right now. Try again shortly.',
  upstream_timeout: 'Signing in took too long. Try again shortly.',
};

export default async function LoginPage({ searchParams }: PageProps<'/login'>) {
  const { returnTo, error } = await searchParams;
  const message = typeof error !== 'string' ? null : Object.hasOwn(ERRORS, error) ? ERRORS[error] : 'Signing in failed. Try again.';
  return (
    <main>
      <h1>Sign in</h1>
      <LoginForm returnTo={typeof returnTo === 'string' ? returnTo : ''} error={message}>
        <input name="email" type="email" placeholder="Email" autoComplete="username" required />
        <input name="password" type="password" placeholder="Password" autoComplete="current-password" required />
        <button type="submit">Sign in</button>
      </LoginForm>
    </main>
  );
}
`;

/**
 * The profile page: a Server Component backend call for `oauth2` (the README's), the session's user otherwise.
 *
 * @example
 * profilePage('oauth2'); // the README's app/profile/page.tsx
 */
export function profilePage(preset: CredentialsPresetName): string {
  const profile =
    preset === 'oauth2'
      ? `async function Profile() {
  // Authorization: Bearer … is attached on the server; the browser never sees the token.
  const me = await bff.callBackend<{ name: string; email: string }>('/auth/me');
  if (me.ok) return <p data-testid="profile">{me.data.name} ({me.data.email})</p>;
  if (me.code === 'unauthenticated' || me.code === 'session_expired') redirect('/login?returnTo=%2Fprofile');
  return <p role="alert">The backend is unavailable right now ({me.status}).</p>;
}`
      : `async function Profile() {
  // Display data only, never a token. bff.callBackend('/your/api') calls your API with the token attached.
  const session = await bff.getSession();
  if (session.status !== 'authenticated') redirect('/login?returnTo=%2Fprofile');
  return <p data-testid="profile">{session.user.name ?? session.user.email ?? session.user.id}</p>;
}`;
  return `import { Suspense } from 'react';
import { redirect } from 'next/navigation';
import { bff } from '@/lib/bff';

export default function ProfilePage() {
  return (
    <main>
      <h1>Profile</h1>
      <Suspense fallback={<p>Loading your profile…</p>}>
        <Profile />
      </Suspense>
    </main>
  );
}

${profile}
`;
}

/** The layout change init prints (the README's step 5): imports, then the new `<body>`. */
export const LAYOUT_IMPORTS = `import { Suspense } from 'react';
import { SessionProvider } from 'bffkit/react';
import { SessionStatus } from '@/components/session-status';
import { bff } from '@/lib/bff';`;

export const LAYOUT_BODY = `      <body className="min-h-full flex flex-col">
        <SessionProvider session={bff.getSession()}>
          <Suspense fallback={null}>
            <SessionStatus />
          </Suspense>
          {children}
        </SessionProvider>
      </body>`;

/**
 * Every file init writes for a preset, TypeScript names, `@/` imports.
 *
 * @example
 * templateFiles('oauth2').map((f) => f.path); // ['lib/bff.ts', 'app/api/auth/[...bffkit]/route.ts', …]
 */
export function templateFiles(preset: CredentialsPresetName): TemplateFile[] {
  return [
    { path: 'lib/bff.ts', content: libBff(preset) },
    { path: 'app/api/auth/[...bffkit]/route.ts', content: AUTH_ROUTE },
    { path: 'app/api/backend/[...path]/route.ts', content: FORWARD_ROUTE },
    { path: 'proxy.ts', content: PROXY },
    { path: 'components/session-status.tsx', content: SESSION_STATUS },
    { path: 'components/login-form.tsx', content: LOGIN_FORM },
    { path: 'app/login/page.tsx', content: LOGIN_PAGE },
    { path: 'app/profile/page.tsx', content: profilePage(preset) },
  ];
}

/** TypeScript-only syntax in the templates, and its JavaScript form (a JS app gets .js/.jsx files). */
const TS_ONLY: readonly [string, string][] = [
  ['const ERRORS: Record<string, string> = {', 'const ERRORS = {'],
  ["({ searchParams }: PageProps<'/login'>)", '({ searchParams })'],
  ['bff.callBackend<{ name: string; email: string }>(', 'bff.callBackend('],
  ["import { useState, type FormEvent, type ReactNode } from 'react';", "import { useState } from 'react';"],
  ['({ returnTo, error, children }: { returnTo: string; error: string | null; children: ReactNode })', '({ returnTo, error, children })'],
  ['(event: FormEvent<HTMLFormElement>)', '(event)'],
];

/**
 * A template as JavaScript: the type annotations dropped, `.ts` → `.js`, `.tsx` → `.jsx`.
 *
 * @example
 * toJavaScript({ path: 'proxy.ts', content: PROXY }).path; // 'proxy.js'
 */
export function toJavaScript(file: TemplateFile): TemplateFile {
  let content = file.content;
  for (const [ts, js] of TS_ONLY) content = content.split(ts).join(js);
  return { path: file.path.replace(/\.ts$/, '.js').replace(/\.tsx$/, '.jsx'), content };
}
