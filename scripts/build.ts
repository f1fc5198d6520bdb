import { ensureBuild, ensurePrismaClient } from './start/build';

// `npm run build`: the same steps `npm start` takes before it serves.
ensurePrismaClient();
ensureBuild();
