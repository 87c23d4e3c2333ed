import { run } from './main.js';

// Entry point only: run() holds the logic and is what tests call.
void run();
