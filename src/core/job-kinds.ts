/**
 * The composition root of job kinds: importing this module registers every kind. The facade and
 * the worker entry import it; nothing under `jobs/` does. A new kind is one import line here.
 */
import './training/job';
import './eval/job';
import './corruptions/job-kind';
import './patching/family-job';
import './patching/sweep-job';
import './data/import-job';
