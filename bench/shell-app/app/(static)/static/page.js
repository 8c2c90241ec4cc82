import { Content } from '../../../components/content.js';

/** Fully static (○): the baseline. */
export default function StaticPage() {
  return <Content />;
}
