'use client';

export { SessionProvider } from './provider';
export type { SessionProviderProps } from './provider';
export { useSession } from './use-session';
export { bffFetch } from './fetch';
export type {
  ClientSession,
  CsrfHeader,
  SessionStatus,
  SessionUser,
  SignInCredentials,
  SignInResult,
  SignOutResult,
  UseSessionResult,
} from './types';
