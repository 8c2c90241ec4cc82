'use client';

export { SessionProvider } from './provider';
export type { SessionProviderProps } from './provider';
export { useSession, useSessionActions } from './use-session';
export { bffFetch } from './fetch';
export { useStepUp } from './use-step-up';
export type {
  AuthLevel,
  BffFetchOptions,
  ClientSession,
  CsrfHeader,
  UseSessionActionsResult,
  SessionStatus,
  SessionUser,
  SignInCredentials,
  SignInResult,
  SignOutResult,
  StepUpRequired,
  UseSessionResult,
  UseStepUpResult,
} from './types';
