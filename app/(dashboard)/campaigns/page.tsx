import { CampaignList } from './CampaignList';
import { CreateCampaignForm } from './CreateCampaignForm';

export default function CampaignsPage() {
  return (
    <>
      <h1>Campaigns</h1>
      <p className="lede">Rekeys and key-provider moves of encrypted VMs, item by item, as vCenter reports them after each poll.</p>
      <CampaignList />
      <CreateCampaignForm />
    </>
  );
}
