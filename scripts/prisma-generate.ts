import { ensurePrismaClient } from './start/build';

ensurePrismaClient();
