// The CLI's messages for operators follow the environment's language as
// POSIX programs do (LC_ALL, then LC_MESSAGES, then LANG; `ko*` is Korean):
// the real CLI, run as an operator runs it, in Korean and in English, and
// the English exactly as it has always been.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { cliLanguage } from '../../src/cli/lang.js';
import { startFakeChannelTalk } from '../../src/fake-channeltalk/server.js';
import { CLI, ROOT } from '../support/child-process.js';
import { tempDir } from '../support/processes.js';

const KO = { LANG: 'ko_KR.UTF-8' };
const C = { LANG: 'C' };
const TYPOS = 'test/fixtures/curations-typos';

/** The real CLI; not spawnSync, which would stop the fake Channel Talk this process serves. */
function cli(args: string[], env: Record<string, string>, input = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdin.end(input);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let fake: Awaited<ReturnType<typeof startFakeChannelTalk>>;
before(async () => {
  fake = await startFakeChannelTalk({ accessKey: 'lang-key', accessSecret: 'lang-secret-value' });
});
after(async () => {
  await fake.close();
});

const configured = () => ({
  CHANNELTALK_ACCESS_KEY: 'lang-key',
  CHANNELTALK_ACCESS_SECRET: 'lang-secret-value',
  CHANNELTALK_WEBHOOK_TOKEN: 'lang-token',
  CHANNELTALK_API_URL: fake.url,
  DATABASE_URL: `sqlite:${path.join(tempDir('cli-lang-'), 'c.db')}`,
  CURATIONS_DIR: path.join(ROOT, 'curations'),
});

test('the language is LC_ALL, else LC_MESSAGES, else LANG; ko* is Korean, anything else English', () => {
  assert.equal(cliLanguage({ LANG: 'ko_KR.UTF-8' }), 'ko');
  assert.equal(cliLanguage({ LANG: 'ko' }), 'ko');
  assert.equal(cliLanguage({ LANG: 'C' }), 'en');
  assert.equal(cliLanguage({}), 'en');
  assert.equal(cliLanguage({ LANG: 'en_US.UTF-8' }), 'en');
  assert.equal(cliLanguage({ LC_ALL: 'C', LANG: 'ko_KR.UTF-8' }), 'en');
  assert.equal(cliLanguage({ LC_MESSAGES: 'ko_KR.UTF-8', LANG: 'C' }), 'ko');
  assert.equal(cliLanguage({ LC_ALL: '', LC_MESSAGES: '', LANG: 'ko_KR.UTF-8' }), 'ko');
  assert.equal(cliLanguage({ LANG: 'kok_IN' }), 'en', 'Konkani is not Korean');
});

const ENGLISH_CHECK = [
  `${TYPOS}/a-syntax.yaml:7 YAML syntax error: Missing closing "quote`,
  `${TYPOS}/a-syntax.yaml:7 YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]`,
  `${TYPOS}/a-syntax.yaml:7 YAML syntax error: Flow map in block collection must be sufficiently indented and end with a }`,
  `${TYPOS}/b-schema.yaml:6 limits.oncePerChat: must be a boolean, not a string`,
  `${TYPOS}/b-schema.yaml:8 fields.goal.lable: unknown key 'lable'`,
  `${TYPOS}/b-schema.yaml:2 'messages' is required`,
  `${TYPOS}/c-meaning.yaml:12 fields.goal.options.gain: the label '감량을 원하세요' reads the same as a label of option 'lose' (case, width, spacing and a trailing '?' are ignored)`,
  `${TYPOS}/c-meaning.yaml:14 compute.protein: unknown name 'wieght'; did you mean 'weight'?`,
  `${TYPOS}/c-meaning.yaml:16 messages[0].text: unknown name 'protien'; did you mean 'protein'?`,
  `${TYPOS}/c-meaning.yaml:17 messages[1].text: template error: tag {% if goal %} not closed`,
  `10 problems in ${TYPOS}; nothing was loaded`,
];

test('curation check on a broken folder: English under LANG=C exactly as before, Korean under LANG=ko_KR.UTF-8', async () => {
  const en = await cli(['check', '--dir', TYPOS], C);
  assert.equal(en.code, 1);
  assert.deepEqual(en.stderr.trimEnd().split('\n'), ENGLISH_CHECK);

  const ko = await cli(['check', '--dir', TYPOS], KO);
  assert.equal(ko.code, 1);
  assert.deepEqual(ko.stderr.trimEnd().split('\n'), [
    // The YAML library's own words stay as it wrote them, inside the Korean sentence.
    `${TYPOS}/a-syntax.yaml:7 YAML 문법 오류입니다: Missing closing "quote`,
    `${TYPOS}/a-syntax.yaml:7 YAML 문법 오류입니다: Flow sequence in block collection must be sufficiently indented and end with a ]`,
    `${TYPOS}/a-syntax.yaml:7 YAML 문법 오류입니다: Flow map in block collection must be sufficiently indented and end with a }`,
    `${TYPOS}/b-schema.yaml:6 limits.oncePerChat: boolean 형식이어야 합니다. 지금은 string 형식입니다.`,
    `${TYPOS}/b-schema.yaml:8 fields.goal.lable: 알 수 없는 키 'lable'입니다.`,
    `${TYPOS}/b-schema.yaml:2 'messages' 항목이 필요합니다.`,
    `${TYPOS}/c-meaning.yaml:12 fields.goal.options.gain: 선택지 문구 '감량을 원하세요'가 'lose' 선택지의 문구와 같게 읽힙니다(대소문자, 전각/반각, 띄어쓰기, 끝의 '?'는 구분하지 않습니다).`,
    `${TYPOS}/c-meaning.yaml:14 compute.protein: 알 수 없는 이름 'wieght'입니다. 'weight'를 쓰려던 것인가요?`,
    `${TYPOS}/c-meaning.yaml:16 messages[0].text: 알 수 없는 이름 'protien'입니다. 'protein'을 쓰려던 것인가요?`,
    `${TYPOS}/c-meaning.yaml:17 messages[1].text: 템플릿 오류입니다: tag {% if goal %} not closed`,
    `${TYPOS}에서 문제 10개를 찾았습니다. 아무것도 불러오지 않았습니다.`,
  ]);

  // LC_ALL wins over LANG, and LC_MESSAGES over LANG.
  assert.deepEqual((await cli(['check', '--dir', TYPOS], { LC_ALL: 'C', LANG: 'ko_KR.UTF-8' })).stderr.trimEnd().split('\n'), ENGLISH_CHECK);
  assert.match((await cli(['check', '--dir', TYPOS], { LC_MESSAGES: 'ko_KR.UTF-8', LANG: 'C' })).stderr, /알 수 없는 키 'lable'입니다/);
});

test('curation check on the shipped curations says they are valid in Korean, and as before in English', async () => {
  const en = await cli(['check', '--dir', 'curations'], C);
  assert.equal(en.code, 0, en.stderr);
  assert.match(en.stdout, /^ok {2}diet-main {12}curations\/diet-main\.yaml {2}\(.*; \d+ messages; ko\/en/m);
  assert.match(en.stdout, /^ {4}golden tests: \d+ passed$/m);
  assert.match(en.stdout, /^2 curations valid$/m);
  const ko = await cli(['check', '--dir', 'curations'], KO);
  assert.equal(ko.code, 0, ko.stderr);
  assert.match(ko.stdout, /^ok {2}diet-main {12}curations\/diet-main\.yaml {2}\(.*; 메시지 \d+개; ko\/en/m);
  assert.match(ko.stdout, /^ {4}골든 테스트: \d+개 통과$/m);
  assert.match(ko.stdout, /^큐레이션 2개가 모두 올바릅니다\.$/m);
});

test('curation user add: its refusals in Korean under LANG=ko_KR.UTF-8, in English as before under LANG=C', async () => {
  const env = configured();
  const role = (lang: Record<string, string>) => cli(['user', 'add', 'kim.minji', '--role', 'owner'], { ...env, ...lang });
  assert.match((await role(C)).stderr, /^--role must be one of viewer, editor, admin\nusage: curation user add/);
  assert.match((await role(KO)).stderr, /^--role에는 viewer, editor, admin 중 하나를 적어 주세요\.\nusage: curation user add/);

  // No terminal to ask at, and no --password-stdin.
  const noTty = (lang: Record<string, string>) => cli(['user', 'add', 'kim.minji', '--role', 'admin'], { ...env, ...lang }, '');
  assert.equal((await noTty(C)).stderr.trim(), 'curation user add: no terminal to ask for the password: pipe it in with --password-stdin');
  assert.equal((await noTty(KO)).stderr.trim(), 'curation user add: 비밀번호를 물어볼 터미널이 없습니다. --password-stdin으로 넘겨 주세요.');

  const add = (lang: Record<string, string>) => cli(['user', 'add', 'kim.minji', '--role', 'admin', '--password-stdin'], { ...env, ...lang }, '관리자-비밀번호-2026\n');
  const added = await add(KO);
  assert.equal(added.code, 0, added.stderr);
  assert.equal(added.stdout.trim(), 'kim.minji 계정을 추가했습니다(admin).');
  assert.equal((await add(C)).stderr.trim(), 'curation user add: an account named kim.minji exists already (reset its password with curation user reset-password kim.minji)');
  assert.equal((await add(KO)).stderr.trim(), 'curation user add: kim.minji 계정이 이미 있습니다(비밀번호를 바꾸려면 curation user reset-password kim.minji).');
  const missing = await cli(['user', 'disable', 'nobody'], { ...env, ...KO });
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr.trim(), 'curation user disable: nobody 계정이 없습니다(curation user list로 확인하세요).');
  assert.equal((await cli(['user', 'list'], { ...env, ...KO })).stdout.split('\t').slice(0, 3).join(' '), 'kim.minji admin 사용 중');
});

test('curation doctor: each check and the summary in Korean; English as before', async () => {
  const env = configured();
  // No webhook is registered in the fake: that check fails, the others pass.
  fake.state.webhooks.reset();
  const en = await cli(['doctor'], { ...env, ...C });
  assert.equal(en.code, 1);
  assert.match(en.stdout, /^ok {3}configuration$/m);
  assert.match(en.stdout, /^ok {3}database: .* reachable, migrations applied, 0 message\(s\) queued$/m);
  assert.match(en.stdout, /^FAIL webhook: /m);
  assert.match(en.stdout, /^1 check\(s\) failed$/m);
  const ko = await cli(['doctor'], { ...env, ...KO });
  assert.equal(ko.code, 1);
  assert.match(ko.stdout, /^ok {3}설정$/m);
  assert.match(ko.stdout, /^ok {3}데이터베이스: .* 연결됨, 마이그레이션 적용됨, 대기 중인 메시지 0개$/m);
  assert.match(ko.stdout, /^ok {3}채널톡 API 키: /m);
  assert.match(ko.stdout, /^실패 웹훅: /m);
  assert.match(ko.stdout, /^ok {3}큐레이션: 2개를 불러옴/m);
  assert.match(ko.stdout, /^점검 1개가 실패했습니다\.$/m);

  const unconfigured = await cli(['doctor'], KO);
  assert.equal(unconfigured.code, 1);
  assert.match(unconfigured.stdout, /^실패 설정\n/);
});

test('curation preview: in Korean, every line is Korean (reason, problems, waits, trigger), fields under their labels; English as before', async () => {
  const args = ['preview', 'diet-main', '--profile', 'test/fixtures/profiles/hong.json', '--now', '2026-12-08T10:00+09:00', '--dir', 'curations'];
  const en = await cli(args, C);
  assert.equal(en.code, 0, en.stderr);
  assert.match(en.stdout, /^as if asked at 2026-12-08T01:00:00\.000Z \(Tue 10:00 in Asia\/Seoul\)\ndiet-main: sequence in ko, \d+ messages\n\nvalues:\n/);
  assert.match(en.stdout, /^#1 {2}after \S+ \(at \S+\)$/m);
  const ko = await cli(args, KO);
  assert.equal(ko.code, 0, ko.stderr);
  assert.match(ko.stdout, /^2026-12-08T01:00:00\.000Z \(Asia\/Seoul 기준 화 10:00\)에 문의한 것으로 보고 계산합니다\ndiet-main: 정상 발송, 언어 ko, 메시지 \d+개\n\n계산된 값:\n/);
  assert.match(ko.stdout, /^#1 {2}1초 후 \(시작부터 1초\)$/m);
  assert.match(ko.stdout, /^#2 {2}2초 후 \(시작부터 3초\)$/m);
  // The values and the messages are the same in both.
  const body = (out: string) => out.split('\n').filter((l) => l.startsWith('  ')).join('\n');
  assert.equal(body(ko.stdout), body(en.stdout));

  // Given a whole delivery, the trigger's line too (the trigger's own description inside it is the registry's words).
  const delivery = ['--profile', 'test/fixtures/webhooks/user-chat-opened.json', '--dir', 'curations'];
  assert.match((await cli(['preview', 'diet-main', ...delivery], C)).stdout, /\ntrigger: this delivery \(chatOpened\) starts diet-main\n$/);
  assert.match((await cli(['preview', 'diet-main', ...delivery], KO)).stdout, /\n트리거: 이 전달\(chatOpened\)로 diet-main이 시작됩니다\n$/);
  assert.match((await cli(['preview', 'diet-gift', ...delivery], KO)).stdout, /\n트리거: 이 전달\(chatOpened\)로는 diet-gift가 시작되지 않습니다\(고객이 메시지를 보낼 때 · 서포트봇 51767, 43684, 47423 · 상담 태그 식단큐레이션받기 · 키워드 선물, .*\(정확히 일치\)\)\n$/);
  assert.match((await cli(['preview', 'diet-gift', ...delivery], C)).stdout, /\ntrigger: this delivery \(chatOpened\) does not start diet-gift \(on userMessage .*\)\n$/);
  const echo = ['preview', 'diet-main', '--profile', 'test/fixtures/webhooks/manager-message-own-echo.json', '--dir', 'curations'];
  assert.match((await cli(echo, KO)).stdout, /\n트리거: 이 전달에는 반응하지 않습니다: 이 서비스가 보낸 메시지가 되돌아온 것으로, 매니저가 상담을 맡은 것이 아닙니다\n$/);

  // A fallback's reason and problems in words, the field under its Korean label; English keeps the plan's sentences.
  const missingWeight = ['preview', 'diet-main', '--profile', 'test/fixtures/profiles/missing-weight.json', '--dir', 'curations'];
  assert.match((await cli(missingWeight, KO)).stdout, /^diet-main: 대체 메시지, 언어 ko, 메시지 1개\n사유: 필수 답변이 없거나 올바르지 않습니다: 체중 누락\n {2}문제: 체중 누락\n/);
  assert.match((await cli(missingWeight, C)).stdout, /^diet-main: fallback in ko, 1 message\nreason: required answers are missing or odd: weight \(missing\)\n {2}problem: weight is missing\n/);

  const missing = await cli(['preview', 'nope', '--profile', 'test/fixtures/profiles/hong.json', '--dir', 'curations'], KO);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr.trim(), "curation preview: 'nope' 큐레이션이 없습니다(불러온 큐레이션: diet-gift, diet-main).");
});

test('curation setup: its own lines in Korean (each change is the plan\'s own line); English as before', async () => {
  const env = { ...configured(), PUBLIC_WEBHOOK_URL: 'https://curation.example.com/webhooks/channeltalk' };
  fake.state.webhooks.reset();
  const dryEn = await cli(['setup', '--dry-run'], { ...env, ...C });
  assert.equal(dryEn.code, 0, dryEn.stderr);
  assert.match(dryEn.stdout, /^scopes the curations need: .+\n(would .+\n)+dry run: nothing was changed\nthe token: Channel Talk makes it when the webhook is created; run without --dry-run to see it\n$/);
  const dryKo = await cli(['setup', '--dry-run'], { ...env, ...KO });
  assert.equal(dryKo.code, 0, dryKo.stderr);
  assert.match(dryKo.stdout, /^큐레이션에 필요한 이벤트: .+\n(실행 예정: .+\n)+시험 실행이라 아무것도 바꾸지 않았습니다\.\n토큰: 웹훅을 만들 때 채널톡이 만듭니다\. --dry-run 없이 실행하면 볼 수 있습니다\.\n$/);

  const created = await cli(['setup'], { ...env, ...KO });
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stdout, /^웹훅 \S+[을를] 만들었습니다\.$/m);
  assert.match(created.stdout, /^조치 필요: 웹훅의 토큰이 CHANNELTALK_WEBHOOK_TOKEN에 없습니다\./m);
  assert.match(created.stdout, /^ {2}토큰: \S+$/m);
  const again = await cli(['setup'], { ...env, ...KO });
  assert.match(again.stdout, /^웹훅 \S+[이가] 최신 상태입니다\. 바꿀 것이 없습니다\.$/m);
  assert.match((await cli(['setup'], { ...env, ...C })).stdout, /^webhook \S+ is up to date: nothing to change$/m);
});
