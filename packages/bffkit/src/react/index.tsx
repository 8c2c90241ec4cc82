'use client';

export { SessionProvider } from './provider';
export type { SessionProviderProps } from './provider';
export { useSession } from './use-session';
export { bffFetch } from './fetch';
export { useStepUp } from './use-step-up';
export type {
  AuthLevel,
  BffFetchOptions,
  ClientSession,
  CsrfHeader,
  SessionStatus,
  SessionUser,
  SignInCredentials,
  SignInResult,
  SignOutResult,
  StepUpRequired,
  UseSessionResult,
  UseStepUpResult,
} from './types';
