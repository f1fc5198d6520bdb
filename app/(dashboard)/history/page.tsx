import { HistoryBoard } from './HistoryBoard';

export default function HistoryPage() {
  return (
    <>
      <h1>History</h1>
      <p className="lede">How the KMS nodes answered over time, when each certificate expires, and each host&apos;s alerts — with a text summary beside every chart.</p>
      <HistoryBoard />
    </>
  );
}
