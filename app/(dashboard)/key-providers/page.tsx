import { KeyProvidersList } from './KeyProvidersList';

export default function KeyProvidersPage() {
  return (
    <>
      <h1>Key providers</h1>
      <p className="lede">Each key provider and its KMS nodes as Keywatch probes them: up or down, KMIP latency, certificate expiry and keys missing per node.</p>
      <KeyProvidersList />
    </>
  );
}
