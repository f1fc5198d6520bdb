-- Moves only when a cycle changed stored observations (inventory, KMS node and key states), unlike
-- "cycle", which moves on every stored cycle: readers that cache the stored estate key on it.
ALTER TABLE "PollState" ADD COLUMN "dataVersion" INTEGER NOT NULL DEFAULT 0;
