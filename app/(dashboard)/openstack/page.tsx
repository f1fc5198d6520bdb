import { OpenstackClouds } from './OpenstackClouds';

export default function OpenstackPage() {
  return (
    <>
      <h1>OpenStack</h1>
      <p className="lede">
        Each OpenStack cloud as Keywatch polls it: whether Barbican answers for real, whether every encrypted Cinder volume, snapshot and backup still has its key, how
        far the ConfKeyManager → Barbican migration has got, and whether <code>fixed_key</code> can go. Missing keys first.
      </p>
      <OpenstackClouds />
    </>
  );
}
