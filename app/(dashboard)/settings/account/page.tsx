import { AccountSettings } from './AccountSettings';

export default function AccountPage() {
  return (
    <>
      <h1>Account</h1>
      <AccountSettings />
    </>
  );
}
