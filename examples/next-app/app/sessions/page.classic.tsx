// Without Cache Components every page renders per request; the same page as page.cc.tsx.
export { default } from './sessions-page';
