/**
 * The code and infra/ agree. The Bicep compiler cannot run here, so this is what stops a new container, queue
 * or setting from reaching main without its Bicep. Each failure message says what to change.
 * (agreement-checks.test.ts shows that every check below does report a broken copy.)
 */
import { describe, expect, it } from 'vitest';
import {
  checkBlobLifecycle,
  checkContainers,
  checkEnvironmentReads,
  checkExemptions,
  checkIdentityOnly,
  checkParses,
  checkQueues,
  checkRoles,
  checkSettings,
  checkSettingsLoad,
} from './agreement.js';
import { loadCode, loadInfra } from './repo.js';

const code = loadCode();
const infra = loadInfra();

describe('code and infra agree', () => {
  it('finds the Bicep and the code it compares', () => {
    expect(Object.keys(infra.files)).toEqual(
      expect.arrayContaining(['infra/main.bicep', 'infra/app/api.bicep', 'infra/app/cosmos.bicep', 'infra/app/servicebus.bicep']),
    );
    expect(Object.keys(code.containers).length).toBeGreaterThan(0);
    expect(Object.keys(code.queues).length).toBeGreaterThan(0);
    expect(Object.keys(code.sources).length).toBeGreaterThan(0);
  });

  it('every .bicep file is in a layout the reader understands', () => {
    expect(checkParses(infra)).toEqual([]);
  });

  it('every Cosmos container in shared/resources.ts is declared with its partition key and TTL, and no other', () => {
    expect(checkContainers(code, infra)).toEqual([]);
  });

  it('every folder the code writes in the snapshot container expires by a lifecycle rule with its days a parameter, or is declared kept', () => {
    expect(checkBlobLifecycle(code, infra)).toEqual([]);
  });

  it('every queue in shared/resources.ts is declared with its delivery count, lock and duplicate detection, and no other', () => {
    expect(checkQueues(code, infra)).toEqual([]);
  });

  it('every setting Azure needs is in Bicep and local.settings.example.json; Bicep sets nothing unknown', () => {
    expect(checkSettings(code, infra)).toEqual([]);
  });

  it('the exemption lists match settingNames', () => {
    expect(checkExemptions(code)).toEqual([]);
  });

  it('every environment variable the code reads is a known setting', () => {
    expect(checkEnvironmentReads(code, infra)).toEqual([]);
  });

  it('settings.ts starts on the Bicep app settings, over managed identity, with the same defaults', () => {
    expect(checkSettingsLoad(code, infra)).toEqual([]);
  });

  it('no keys anywhere: local auth off on Cosmos, Service Bus, Storage and Application Insights', () => {
    expect(checkIdentityOnly(infra)).toEqual([]);
  });

  it('the app identity holds exactly the roles it needs', () => {
    expect(checkRoles(infra)).toEqual([]);
  });
});
