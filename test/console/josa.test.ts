// Korean particles after a filled-in value (static/josa.js): the catalogue
// writes {webhook|을} and the reader sees 을 or 를 as the value is read aloud,
// never the template's "을(를)". The server's render and the browser's t share it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadCatalogue, render } from '../../src/server/console/messages.js';
import { staticDir } from '../../src/server/console/static.js';

interface Josa {
  finalSound: (word: string) => 'none' | 'rieul' | 'other';
  josa: (word: string, particle: string) => string;
  fill: (text: string, params: Record<string, unknown>, show?: (v: unknown) => string) => string;
}
const load = async () => (await import(pathToFileURL(path.join(staticDir(), 'josa.js')).href)) as Josa;

test('the particle follows how the value ends when read aloud', async () => {
  const { josa } = await load();
  const cases: [string, string, string][] = [
    ['웹훅', '을', '을'], ['발송', '이', '이'], ['큐레이션', '은', '은'], ['버전', '과', '과'],
    ['파일', '으로', '로'], ['서울', '으로', '로'], ['상담', '으로', '으로'], ['고객', '이에요', '이에요'],
    ['매니저', '를', '를'], ['매니저', '을', '를'], ['뷰어', '가', '가'], ['메시지', '은', '는'], ['편집자', '와', '와'], ['뷰어', '으로', '로'],
    // Numbers as read: 1 일, 2 이, 3 삼, 10 십.
    ['1', '이', '이'], ['2', '이', '가'], ['3', '을', '을'], ['10', '은', '은'], ['5', '으로', '로'], ['7', '으로', '로'],
    // Latin words: spelled capitals (URL 유알엘, ID 아이디) and words (channel 채널, diet-main 다이어트메인, refund 리펀드).
    ['URL', '을', '을'], ['ID', '을', '를'], ['channeltalk-curation', '을', '을'], ['diet-main', '은', '은'], ['refund-estimate', '은', '는'], ['webhook', '을', '을'],
    // Trailing punctuation and quotes are not read.
    ['"diet-gift"', '이', '가'], ['상담)', '을', '을'],
    ['', '을', '를'],
  ];
  for (const [word, particle, want] of cases) assert.equal(josa(word, particle), want, `${word} + ${particle}`);
  assert.equal(josa('웹훅', '에게'), '에게', 'a particle without two forms is kept as written');
});

test('fill fills {name} and {name|particle}, and keeps a placeholder without a value', async () => {
  const { fill } = await load();
  assert.equal(fill('웹훅 {webhook|을} 차단했습니다', { webhook: 'channeltalk-curation' }), '웹훅 channeltalk-curation을 차단했습니다');
  assert.equal(fill('버전 {n|이} 없습니다', { n: 2 }), '버전 2가 없습니다');
  assert.equal(fill('{id|은} 이미 있습니다 ({missing})', { id: 'diet-gift' }), 'diet-gift는 이미 있습니다 ({missing})');
  assert.equal(fill("{'name'|이} 자기 자신을 참조합니다", { name: 'protein' }), "'protein'이 자기 자신을 참조합니다");
  assert.equal(fill("{'name'|은} 예약된 이름입니다", { name: 'sumOf' }), "'sumOf'는 예약된 이름입니다");
  assert.equal(fill("{'name'}", { name: 'x' }), "'x'");
  assert.equal(fill('{n}개', { n: 1200 }, (v) => Number(v).toLocaleString('ko-KR')), '1,200개');
});

test('the Korean catalogue writes particles after values with {name|particle}, never as 을(를)', () => {
  const ko = loadCatalogue('ko');
  for (const [key, text] of Object.entries(ko)) assert.doesNotMatch(text, /을\(를\)|를\(을\)|이\(가\)|가\(이\)|은\(는\)|는\(은\)|과\(와\)|와\(과\)|\(으\)로/, `${key}: write {name|을} instead`);
  assert.equal(render(ko, 'error.noSuchVersion', { id: 'diet-main', n: 3 }), 'diet-main에는 버전 3이 없습니다');
});
