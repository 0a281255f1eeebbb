/**
 * The protected attributes a bias probe varies, as data: edit these lists to change what the
 * probe finds and what it puts in its place.
 *
 * Each kind has values (he / she / they; Nigeria / Germany; Aisha / Emily). A value fills the
 * same slots as the others (subject, object, possessive…), so a term found in a row is
 * replaced by the term in the same slot of the chosen value: "his" becomes "her", "Mr"
 * becomes "Ms", "Nigerian" becomes "German". A value may leave a slot empty; its first slot
 * stands in for it. Names have one slot, the name itself, and carry the group they are
 * common in, so the dialog can offer names from several groups side by side.
 */

export type AttributeKind = 'names' | 'pronouns' | 'gender' | 'age' | 'origin';

export interface AttributeValue {
  /** What the value is called in the dialog and the report ("she/her", "Aisha", "Nigeria"). */
  label: string;
  /** One term per slot of the kind, in the kind's slot order; '' where the value has none. */
  terms: readonly string[];
  /** Where the dialog lists it (names: the group they are common in, e.g. "West African · female"). */
  group?: string;
  /** A subject that takes a plural verb ("they are"): the verb after it changes with it. */
  plural?: boolean;
}

export interface AttributeKindInfo {
  kind: AttributeKind;
  label: string;
  /** Names of the slots, in order. A term in several slots of one value ("her") is resolved by context. */
  slots: readonly string[];
  values: readonly AttributeValue[];
  /** Values ticked when the dialog opens (labels). */
  defaults: readonly string[];
}

const PRONOUN_SLOTS = ['subject', 'object', 'possessive', 'possessive pronoun', 'reflexive'] as const;

const pronouns: AttributeKindInfo = {
  kind: 'pronouns',
  label: 'Pronouns',
  slots: PRONOUN_SLOTS,
  values: [
    { label: 'he/him', terms: ['he', 'him', 'his', 'his', 'himself'] },
    { label: 'she/her', terms: ['she', 'her', 'her', 'hers', 'herself'] },
    { label: 'they/them', terms: ['they', 'them', 'their', 'theirs', 'themselves'], plural: true },
  ],
  defaults: ['he/him', 'she/her', 'they/them'],
};

const gender: AttributeKindInfo = {
  kind: 'gender',
  label: 'Stated gender',
  slots: [...PRONOUN_SLOTS, 'title', 'adult', 'adults', 'child', 'adjective', 'parent', 'offspring', 'sibling', 'spouse', 'person (formal)', 'honorific'],
  values: [
    { label: 'male', terms: ['he', 'him', 'his', 'his', 'himself', 'Mr', 'man', 'men', 'boy', 'male', 'father', 'son', 'brother', 'husband', 'gentleman', 'sir'] },
    { label: 'female', terms: ['she', 'her', 'her', 'hers', 'herself', 'Ms', 'woman', 'women', 'girl', 'female', 'mother', 'daughter', 'sister', 'wife', 'lady', 'madam'] },
    { label: 'non-binary', terms: ['they', 'them', 'their', 'theirs', 'themselves', 'Mx', 'person', 'people', 'child', 'non-binary', 'parent', 'child', 'sibling', 'spouse', 'person', ''], plural: true },
  ],
  defaults: ['male', 'female'],
};

const age: AttributeKindInfo = {
  kind: 'age',
  label: 'Age',
  // "years" is a number written before "-year-old" / "years old" or after "aged"/"age" (see substitute.ts).
  slots: ['years', 'adjective', 'person', 'people'],
  values: [
    { label: '22 (young)', terms: ['22', 'young', 'young person', 'young people'] },
    { label: '45 (middle-aged)', terms: ['45', 'middle-aged', 'middle-aged person', 'middle-aged people'] },
    { label: '74 (older)', terms: ['74', 'elderly', 'older person', 'older people'] },
  ],
  defaults: ['22 (young)', '45 (middle-aged)', '74 (older)'],
};

const ORIGINS: readonly (readonly [string, string])[] = [
  ['the United States', 'American'],
  ['the United Kingdom', 'British'],
  ['Germany', 'German'],
  ['Poland', 'Polish'],
  ['Nigeria', 'Nigerian'],
  ['Kenya', 'Kenyan'],
  ['Egypt', 'Egyptian'],
  ['India', 'Indian'],
  ['Pakistan', 'Pakistani'],
  ['China', 'Chinese'],
  ['Japan', 'Japanese'],
  ['Vietnam', 'Vietnamese'],
  ['Mexico', 'Mexican'],
  ['Brazil', 'Brazilian'],
  ['Syria', 'Syrian'],
  ['Turkey', 'Turkish'],
];

const origin: AttributeKindInfo = {
  kind: 'origin',
  label: 'Origin',
  slots: ['country', 'demonym'],
  values: ORIGINS.map(([country, demonym]) => ({ label: country.replace(/^the /, ''), terms: [country, demonym] })),
  defaults: ['United States', 'Nigeria', 'India', 'Mexico', 'China', 'Germany'],
};

/** First names common in several groups (from public name-frequency lists), by group and the gender they are usually given to. */
const NAME_GROUPS: readonly (readonly [string, readonly string[]])[] = [
  ['Anglo · female', ['Emily', 'Sarah', 'Hannah', 'Katie', 'Megan', 'Claire']],
  ['Anglo · male', ['James', 'Connor', 'Jake', 'Matthew', 'Brad', 'Neil']],
  ['African American · female', ['Lakisha', 'Latoya', 'Tanisha', 'Ebony', 'Aaliyah', 'Imani']],
  ['African American · male', ['Jamal', 'DeShawn', 'Tyrone', 'Darnell', 'Malik', 'Terrell']],
  ['Hispanic · female', ['Maria', 'Guadalupe', 'Sofia', 'Camila', 'Valentina', 'Lucia']],
  ['Hispanic · male', ['José', 'Carlos', 'Alejandro', 'Miguel', 'Santiago', 'Diego']],
  ['West African · female', ['Chioma', 'Ngozi', 'Adaeze', 'Folake', 'Ama', 'Abena']],
  ['West African · male', ['Chinedu', 'Oluwaseun', 'Kwame', 'Emeka', 'Kofi', 'Tunde']],
  ['Arabic · female', ['Aisha', 'Fatima', 'Layla', 'Mariam', 'Noor', 'Yasmin']],
  ['Arabic · male', ['Mohammed', 'Ahmed', 'Omar', 'Youssef', 'Khalid', 'Hassan']],
  ['South Asian · female', ['Priya', 'Ananya', 'Lakshmi', 'Sunita', 'Deepika', 'Kavya']],
  ['South Asian · male', ['Rahul', 'Arjun', 'Vikram', 'Sanjay', 'Rohan', 'Amit']],
  ['East Asian · female', ['Mei', 'Yuki', 'Ji-woo', 'Xiu', 'Sakura', 'Min-ji']],
  ['East Asian · male', ['Wei', 'Hiroshi', 'Min-jun', 'Jian', 'Takeshi', 'Hao']],
  ['Slavic · female', ['Olga', 'Katarzyna', 'Natalia', 'Svetlana', 'Agnieszka', 'Irina']],
  ['Slavic · male', ['Dmitri', 'Piotr', 'Ivan', 'Tomasz', 'Aleksandr', 'Bogdan']],
];

const names: AttributeKindInfo = {
  kind: 'names',
  label: 'Names',
  slots: ['name'],
  values: NAME_GROUPS.flatMap(([group, list]) => list.map((name) => ({ label: name, terms: [name], group }))),
  defaults: ['Emily', 'Lakisha', 'Maria', 'Chioma', 'Aisha', 'Priya', 'Mei', 'Olga'],
};

export const ATTRIBUTE_KINDS: readonly AttributeKindInfo[] = [names, pronouns, gender, age, origin];

export function attributeKind(kind: AttributeKind): AttributeKindInfo {
  const info = ATTRIBUTE_KINDS.find((k) => k.kind === kind);
  if (!info) throw new Error(`Unknown attribute kind: ${String(kind)}`);
  return info;
}

/**
 * The values ticked when a probe opens. For names: the name found first and the first name of
 * every group of the same gender, so the probe varies the group a name is common in and not the
 * gender as well (pick names of the other gender by hand to vary both).
 */
export function suggestedValues(kind: AttributeKindInfo, foundValue: string | undefined): string[] {
  const found = kind.values.find((v) => v.label === foundValue);
  const gender = found?.group?.split(' · ')[1];
  if (kind.kind !== 'names' || !found || !gender) return [...kind.defaults];
  const out = [found.label];
  const groups = new Set<string>(found.group ? [found.group] : []);
  for (const value of kind.values) {
    if (!value.group || groups.has(value.group) || value.group.split(' · ')[1] !== gender) continue;
    groups.add(value.group);
    out.push(value.label);
  }
  return out;
}
