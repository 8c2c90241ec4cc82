import { Suspense } from 'react';
import { connection } from 'next/server';
import { Content } from '../../../components/content.js';

async function Hole() {
  await connection();
  return <span>dynamic</span>;
}

/** The same page with one empty dynamic hole (◐) and no bffkit: what Next's partial prerendering costs by itself. */
export default function FloorPage() {
  return (
    <>
      <Suspense fallback={null}>
        <Hole />
      </Suspense>
      <Content />
    </>
  );
}
