// The demo shop's long journal article: enough text to scroll (scroll depth), a table of contents of in-page
// anchors (hash navigation), a link back into the shop and one outbound link. Paragraphs are trusted static HTML.

export interface Section {
  readonly id: string;
  readonly heading: string;
  readonly paragraphs: readonly string[];
}

export const ARTICLE = {
  title: 'A field guide to lake swimming',
  teaser: 'cold water, warm hands, and what to pack for the first swim of the year.',
  sections: [
    {
      id: 'why',
      heading: 'Why swim in a lake at all',
      paragraphs: [
        'There is a moment, about a minute after you step into cold water, when the shock gives way to something close to joy. The air feels warmer, the light looks sharper, and the rest of the morning seems easy.',
        'Lakes are gentler than the sea: no tides, few currents, and usually a shore within reach. They are also colder than they look, deeper than they seem, and shared with boats, birds and fishermen, so a little preparation goes a long way.',
        'This guide collects what we have learned from a decade of early swims with friends, from the first tentative dips in May to the stubborn November regulars who only stop when the shallows freeze.',
      ],
    },
    {
      id: 'before',
      heading: 'Before you go',
      paragraphs: [
        'Check the water temperature and the weather, and tell someone where you are going. Below 10 °C, keep the first swims to a few minutes; your body needs weeks to adapt, and the cold works faster on the hands and feet than you expect.',
        'Pick a spot with an easy way in and out. Gravel beaches and jetties are friendlier than muddy banks, and a place other swimmers use is usually a place that is safe to use.',
        'Pack warm layers you can pull on with numb fingers: a wool hat, a loose jumper, thick socks. A flask of something hot matters more than a fancy towel. Our <a href="/demo/products/summit-thermos">Summit Thermos</a> was designed on exactly these mornings.',
        'Bring a bright swim hat and a tow float. Boats see colours before they see heads, and a float gives you somewhere to rest if you need it.',
      ],
    },
    {
      id: 'entering',
      heading: 'Getting in',
      paragraphs: [
        'Walk in slowly and let your breathing settle before you put your shoulders under. The cold-shock response makes you gasp; long, slow exhales calm it within a minute.',
        'Swim along the shore rather than away from it, at least until you know how your body reacts that day. The same water can feel very different from one week to the next.',
        'Keep your head up for the first strokes. Breaststroke with your face out of the water is not elegant, but it lets you watch the shore and keep your breathing under control.',
      ],
    },
    {
      id: 'safety',
      heading: 'Staying safe',
      paragraphs: [
        'Never swim alone in cold water, and never swim after drinking. Stay out of the water during storms, and away from weirs, outflows and boat lanes.',
        'Know the signs of hypothermia: shivering that will not stop, clumsy hands, slurred words. Get out, get dry and get warm; a hot drink helps, a hot shower straight away does not.',
        'Local rules and conditions vary. Before swimming somewhere new, read the <a id="outbound-safety" href="https://example.com/lake-safety">lake safety guidance</a> published for the area and follow any signs at the water.',
      ],
    },
    {
      id: 'after',
      heading: 'Afterwards',
      paragraphs: [
        'Dress quickly, top half first, and keep moving. The after-drop, when cooled blood returns from your limbs, can make you colder ten minutes after you get out than you were in the water.',
        'Eat something. A flapjack and a hot drink by the water is half the reason most of us come back week after week.',
        'Write it down: the date, the water temperature, how long you stayed in. Over a season the notes tell a story, and the numbers are oddly satisfying. A small waterproof notebook lives in every one of our bags.',
      ],
    },
    {
      id: 'seasons',
      heading: 'Through the seasons',
      paragraphs: [
        'Spring water is the coldest it will be while the air already feels warm, which makes it deceptive. Keep swims short and let the lake warm up with you.',
        'Summer brings crowds, warm shallows and the occasional algae bloom; check notices before swimming and avoid water that looks like pea soup.',
        'Autumn is the best time of year: the water keeps the summer warmth for weeks after the air has turned, the light is low and gold, and the beaches are empty again.',
        'Winter swimming is its own sport. If you want to try it, build up through autumn without a break, and swim with people who have done it for years.',
      ],
    },
  ] as readonly Section[],
};
