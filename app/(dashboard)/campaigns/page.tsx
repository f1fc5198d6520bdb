export default function CampaignsPage() {
  return (
    <>
      <h1>Campaigns</h1>
      <p className="empty">No campaigns yet. A campaign rekeys encrypted VMs, or moves them to another key provider, step by step.</p>
    </>
  );
}
