'use client';

import { Bar, BarChart, CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
// Type-only: erased at build.
import type { Progress } from '@/lib/campaigns/progress';

/** Burndown (items not yet verified, per day) and items verified per day. */
export function ProgressCharts({ progress }: { progress: Progress }) {
  if (progress.burndown.length === 0) return <p className="empty">No verified items yet: the burndown starts with the first verification.</p>;
  return (
    <div className="grid">
      <figure className="card" data-testid="burndown-chart">
        <figcaption>Burndown: items left to verify</figcaption>
        <ResponsiveContainer width="100%" height={220}>
          <LineChart data={progress.burndown}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="day" />
            <YAxis allowDecimals={false} />
            <Tooltip />
            <Line type="stepAfter" dataKey="remaining" name="remaining" stroke="#b45309" isAnimationActive={false} />
          </LineChart>
        </ResponsiveContainer>
      </figure>
      <figure className="card" data-testid="items-per-day-chart">
        <figcaption>Items verified per day</figcaption>
        <ResponsiveContainer width="100%" height={220}>
          <BarChart data={progress.itemsPerDay}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="day" />
            <YAxis allowDecimals={false} />
            <Tooltip />
            <Bar dataKey="verified" name="verified" fill="#2563eb" isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </figure>
    </div>
  );
}
