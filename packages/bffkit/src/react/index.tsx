'use client';

export { SessionProvider } from './provider';
export type { SessionProviderProps } from './provider';
export { useSession, useSessionActions } from './use-session';
export { bffFetch } from './fetch';
export type {
  ClientSession,
  CsrfHeader,
  UseSessionActionsResult,
  SessionStatus,
  SessionUser,
  SignInCredentials,
  SignInResult,
  SignOutResult,
  UseSessionResult,
} from './types';
