// The largest delivery Channel Talk plausibly sends, for the body limit
// (README, "Limits on what comes in"). Channel Talk documents no message
// length; 10,000 characters is what LINE allows and more than a chat input
// holds in practice. A customer's message of 10,000 Korean characters (3
// bytes each in UTF-8), in plainText and again in its text block, with the
// most files a message carries (30), in a chat with the most tags (8), from a
// user with the most tags (20) and a profile of 200 custom fields.
import { webhookForChat } from './fixtures.js';

const SENTENCE = '오늘 아침은 현미밥과 된장국을 먹었고 점심은 닭가슴살 샐러드였어요. ';

function text(chars: number): string {
  return SENTENCE.repeat(Math.ceil(chars / SENTENCE.length)).slice(0, chars);
}

export function largestRealisticDelivery(chatId: string, messageId: string): Record<string, unknown> {
  const body = webhookForChat('user-message-keyword', chatId, messageId) as {
    entity: Record<string, unknown>;
    refers: { userChat: Record<string, unknown>; user: Record<string, unknown> & { profile: Record<string, unknown> } };
  };
  const long = text(10_000);
  body.entity.plainText = long;
  body.entity.blocks = [{ type: 'text', value: long.replace('현미밥', '<b>현미밥</b>') }];
  body.entity.files = Array.from({ length: 30 }, (_, i) => ({
    id: `file-${messageId}-${i}`,
    type: 'image',
    name: `식단사진_${i + 1}.jpg`,
    size: 2_345_678,
    contentType: 'image/jpeg',
    width: 3024,
    height: 4032,
    orientation: 1,
    bucket: 'bin.channel.io',
    key: `pub-file/95334/${messageId}/${i}/식단사진_${i + 1}.jpg`,
    previewKey: `pub-file/95334/${messageId}/${i}/preview.jpg`,
  }));
  body.refers.userChat.tags = ['식단큐레이션받기', '재구매', 'VIP', '상담대기', '배송문의', '교환', '이벤트참여', '신규'];
  body.refers.userChat.managerIds = ['m-1', 'm-2', 'm-3'];
  body.refers.user.tags = Array.from({ length: 20 }, (_, i) => `관심사_${i + 1}`);
  for (let i = 0; i < 200; i++) body.refers.user.profile[`survey_answer_${i}`] = text(40);
  return body;
}
