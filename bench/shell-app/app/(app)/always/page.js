import { Content } from '../../../components/content.js';

export default function Page() {
  return <Content />;
}
