import { historyContract } from '../contract/history-contract.js';
import { ctfForms, freshCtf } from '../support/ctf-backends.js';

for (const [label, file] of ctfForms) historyContract(label, () => freshCtf(file));
