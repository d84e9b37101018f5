import { repositoryContract } from '../contract/repository-contract.js';
import { ctfForms, freshCtf } from '../support/ctf-backends.js';

for (const [label, file] of ctfForms) repositoryContract(label, () => freshCtf(file));
