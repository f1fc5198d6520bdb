import { Suspense } from 'react';
import { SetupForm } from './SetupForm';

export default function SetupPage() {
  return (
    <Suspense>
      <SetupForm />
    </Suspense>
  );
}
