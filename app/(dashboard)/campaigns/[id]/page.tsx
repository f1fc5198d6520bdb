import { CampaignDetailView } from './CampaignDetailView';

export default async function CampaignPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <CampaignDetailView id={id} />;
}
