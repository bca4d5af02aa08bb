// Every sentence a resident sees, in English, Russian and Ukrainian. Server sentences are never shown raw.
const en = {
  title: "Air threat warnings", skip: "Skip to what is in force here", search_label: "Search a place",
  search_ph: "Town, village, district or airport", search: "Find", locate: "Use my location",
  map_label: "Map: click to pick a place", your_area: "Your area", pick: "Click the map, search a place or use your location.",
  shelter: "Nearest shelter", now: "In force now", subscribe: "Get alerts", channel: "Channel",
  address: "Phone (+7…) or URL", sub_note: "Alerts for the place you picked, in the language of this page.",
  subscribe_btn: "Subscribe", sub_off: "Subscriptions are not available on this server yet; follow the CAP feed instead.",
  feed: "CAP alert feed (Atom)", "regime.drone_hazard": "Drone hazard", "regime.missile_hazard": "Missile hazard",
  "regime.airspace_closed": "Airspace closed", "regime.none": "No regime", no_regime: "No warning in force here.",
  outside: "This point is outside the districts on file: we cannot say what is in force there.", since: "since",
  instructions: "What to do", not_found: "No place found for", walk: "walk", warning: "warning time",
  reachable: "Reachable in time", unreachable: "Not reachable within the warning time", short_by: "short by",
  distance: "distance", searching: "Looking for the nearest shelter…",
  shelter_none: "No shelter data for this place (outside the imported streets). Go to an inner room without windows, or a basement.",
  shelter_off: "The shelter service is not available on this server. Go to an inner room without windows, or a basement.",
  shelter_err: "The shelter search did not answer. Go to an inner room without windows, or a basement.",
  capacity: "capacity", min: "min", sec: "s", m: "m", legend_shelter: "Shelter", legend_closed: "Closed shelter",
  legend_route: "Walking route", building: "nearest building",
  safe_room: "Fallback: nearest building {d} ({w} on foot), inner room without windows.",
  safe_room_ok: "You can reach it in time", safe_room_late: "Not in time either: take cover where you are, away from windows.",
  synthetic: "Demo data: these streets and shelters are a synthetic sample, not a real map.",
  geo_fail: "Your browser did not share a location. Search your town instead.", sub_pick: "Pick a place on the map first.",
  nothing: "No warnings in force.", live: "live", polling: "live", offline: "offline", stale_state: "connection lost",
  where: "Where are you?", where_todo: "Tap “Use my location” or search your town to see what is in force there and where to take shelter.",
  level_alert: "{kind}: take shelter now", level_pre_alert: "{kind} approaching: be ready to take shelter",
  level_all_clear: "All clear", level_none: "No warning in force here",
  todo_alert: "Go to the shelter now; if you cannot reach it in time, an inner room without windows. Stay until the all-clear.",
  todo_pre_alert: "Be ready to take shelter: know your route, keep your phone charged, stay near the shelter.",
  todo_all_clear: "The threat is over. You may leave the shelter. Keep this page open: it will warn you again.",
  todo_none: "Nothing is declared for this place now. Keep this page open: it will warn you.",
  todo_regime: "A regime is in force here. Stay alert and be ready to take shelter.",
  level_regime: "{kind} in force here",
  approach_drone: "Drones approaching your area — about {m} min", approach_missile: "Missiles approaching your area — about {m} min",
  stale: "No connection since {t}: what is shown may be out of date. Trying to reconnect…",
  checking: "Checking the current state…",
  left: "left to reach shelter", time_up: "Warning time is over: take cover where you are now, away from windows.",
  countdown_from: "from the alert at {t}, warning time {w}",
  drill_Exercise: "EXERCISE — this is a drill, not a real alert. Do not take shelter because of it.",
  drill_Test: "TEST — a technical test message, not a real alert. No action needed.",
  drill_where: "Drill here:", threats: "Threats", min_level: "Lowest level to receive", lvl_minor: "Everything",
  lvl_moderate: "Moderate and above", lvl_severe: "Severe and above", lvl_extreme: "Extreme only",
  quiet: "Quiet hours (Extreme alerts always come through)", from: "from", to: "to",
  ch_push: "Notifications in this browser", ch_sms: "SMS", ch_webhook: "Webhook (URL)",
  code_label: "Code from the SMS", code_btn: "Confirm", code_sent: "We sent a code by SMS to {p}. Enter it to start alerts: nothing else is sent until then.",
  code_bad: "That code is not right. Check the SMS and try again.", code_resend: "Send a new code",
  code_unsent: "We could not send a code to this number just now. Try “Send a new code” in a minute, or choose another channel.",
  sub_active: "Alerts are on for {place} ({ch}).", sub_pending: "Waiting for confirmation ({ch}).",
  sub_gone: "This subscription has ended ({ch}).", unsubscribe: "Unsubscribe", unsubscribed: "Unsubscribed.",
  push_denied: "Notifications are blocked in this browser: allow them in the site settings, or use SMS.",
  push_none: "This browser cannot receive push notifications. Use SMS instead.",
  push_off: "Push notifications are not configured on this server. Use SMS instead.",
  err_field: "Please check: {f}.", err_rate: "Too many attempts. Please wait a minute and try again.",
  err_generic: "Something went wrong on the server. Please try again in a moment.",
  field_address: "the phone number or address", field_quiet: "the quiet hours", field_code: "the code",
  alarm_title: "ALERT", clear_title: "All clear", notify_alert: "{kind}: take shelter now", notify_clear: "All clear",
  place_of: "{d}, {r}", airports: "Airports", suspended: "suspended",
  fallback_plain: "Fallback: go to an inner room without windows, or a basement.", zoom_in: "Zoom in", zoom_out: "Zoom out", route_on_map: "Route on the map", threat_generic: "Air threat",
  area_warning: "Warning time here: {w}", "warning_from.district": "this district's warning time",
  "warning_from.region": "the region's warning time", "warning_from.import": "the street data's warning time",
  step_free: "Step-free route (wheelchair)", step_free_on: "Step-free route: no stairs on the way.",
  step_free_missing: "These streets have no step-free data: the route may have steps or kerbs.",
};

const ru = {
  title: "Оповещения о воздушной угрозе", skip: "Перейти к тому, что действует здесь", search_label: "Найти место",
  search_ph: "Город, село, район или аэропорт", search: "Найти", locate: "Моё местоположение",
  map_label: "Карта: нажмите, чтобы выбрать место", your_area: "Ваш район", pick: "Нажмите на карту, найдите место или определите местоположение.",
  shelter: "Ближайшее укрытие", now: "Действует сейчас", subscribe: "Получать оповещения", channel: "Канал",
  address: "Телефон (+7…) или URL", sub_note: "Оповещения для выбранного места на языке этой страницы.",
  subscribe_btn: "Подписаться", sub_off: "Подписка на этом сервере пока недоступна; используйте ленту CAP.",
  feed: "Лента оповещений CAP (Atom)", "regime.drone_hazard": "Беспилотная опасность", "regime.missile_hazard": "Ракетная опасность",
  "regime.airspace_closed": "Воздушное пространство закрыто", "regime.none": "Нет режима", no_regime: "Здесь режимов нет.",
  outside: "Точка вне известных районов: мы не можем сказать, что там действует.", since: "с",
  instructions: "Что делать", not_found: "Не найдено:", walk: "пешком", warning: "время оповещения",
  reachable: "Успеете дойти", unreachable: "Не успеть за время оповещения", short_by: "не хватает",
  distance: "расстояние", searching: "Ищем ближайшее укрытие…",
  shelter_none: "Для этого места нет данных об укрытиях (вне загруженных улиц). Перейдите во внутреннюю комнату без окон или в подвал.",
  shelter_off: "Служба укрытий на этом сервере недоступна. Перейдите во внутреннюю комнату без окон или в подвал.",
  shelter_err: "Поиск укрытия не ответил. Перейдите во внутреннюю комнату без окон или в подвал.",
  capacity: "вместимость", min: "мин", sec: "с", m: "м", legend_shelter: "Укрытие", legend_closed: "Укрытие закрыто",
  legend_route: "Пеший маршрут", building: "ближайшее здание",
  safe_room: "Запасной вариант: ближайшее здание в {d} ({w} пешком), внутренняя комната без окон.",
  safe_room_ok: "Успеете дойти", safe_room_late: "Тоже не успеть: укройтесь там, где вы, подальше от окон.",
  synthetic: "Демонстрационные данные: эти улицы и укрытия — синтетический пример, а не реальная карта.",
  geo_fail: "Браузер не передал местоположение. Найдите свой город через поиск.", sub_pick: "Сначала выберите место на карте.",
  nothing: "Режимов нет.", live: "онлайн", polling: "онлайн", offline: "нет связи", stale_state: "связь потеряна",
  where: "Где вы находитесь?", where_todo: "Нажмите «Моё местоположение» или найдите свой город, чтобы увидеть, что там действует и где укрыться.",
  level_alert: "{kind}: срочно в укрытие", level_pre_alert: "{kind} приближается: будьте готовы укрыться",
  level_all_clear: "Отбой", level_none: "Здесь сейчас нет угрозы",
  todo_alert: "Идите в ближайшее укрытие сейчас. Если не успеваете — во внутреннюю комнату без окон. Оставайтесь там до отбоя.",
  todo_pre_alert: "Будьте готовы укрыться: знайте маршрут, держите телефон заряженным, оставайтесь рядом с укрытием.",
  todo_all_clear: "Угроза миновала. Можно покинуть укрытие. Не закрывайте страницу: она снова предупредит вас.",
  todo_none: "Для этого места сейчас ничего не объявлено. Не закрывайте страницу: она предупредит вас.",
  todo_regime: "Здесь действует режим. Будьте внимательны и готовы укрыться.",
  level_regime: "{kind}: режим действует здесь",
  approach_drone: "Беспилотники приближаются к вашему району — примерно через {m} мин",
  approach_missile: "Ракеты приближаются к вашему району — примерно через {m} мин",
  stale: "Нет связи с {t}: показанное может быть устаревшим. Пытаемся переподключиться…",
  checking: "Проверяем текущую обстановку…",
  left: "осталось, чтобы дойти до укрытия", time_up: "Время оповещения вышло: укройтесь там, где вы, подальше от окон.",
  countdown_from: "от оповещения в {t}, время оповещения {w}",
  drill_Exercise: "УЧЕНИЯ — это учебное оповещение, а не настоящее. Укрываться из-за него не нужно.",
  drill_Test: "ТЕСТ — техническая проверка, а не настоящее оповещение. Ничего делать не нужно.",
  drill_where: "Учения здесь:", threats: "Угрозы", min_level: "Минимальный уровень", lvl_minor: "Все",
  lvl_moderate: "Умеренные и выше", lvl_severe: "Серьёзные и выше", lvl_extreme: "Только чрезвычайные",
  quiet: "Тихие часы (чрезвычайные оповещения приходят всегда)", from: "с", to: "до",
  ch_push: "Уведомления в этом браузере", ch_sms: "SMS", ch_webhook: "Вебхук (URL)",
  code_label: "Код из SMS", code_btn: "Подтвердить", code_sent: "Мы отправили код по SMS на {p}. Введите его, чтобы включить оповещения: до этого ничего не отправляется.",
  code_bad: "Код неверный. Проверьте SMS и попробуйте ещё раз.", code_resend: "Прислать новый код",
  code_unsent: "Сейчас не удалось отправить код на этот номер. Нажмите «Прислать новый код» через минуту или выберите другой канал.",
  sub_active: "Оповещения включены для {place} ({ch}).", sub_pending: "Ожидает подтверждения ({ch}).",
  sub_gone: "Эта подписка завершена ({ch}).", unsubscribe: "Отписаться", unsubscribed: "Подписка отменена.",
  push_denied: "Уведомления в этом браузере запрещены: разрешите их в настройках сайта или выберите SMS.",
  push_none: "Этот браузер не принимает push-уведомления. Выберите SMS.",
  push_off: "Push-уведомления на этом сервере не настроены. Выберите SMS.",
  err_field: "Проверьте: {f}.", err_rate: "Слишком много попыток. Подождите минуту и попробуйте снова.",
  err_generic: "На сервере что-то пошло не так. Попробуйте ещё раз через минуту.",
  field_address: "номер телефона или адрес", field_quiet: "тихие часы", field_code: "код",
  alarm_title: "ТРЕВОГА", clear_title: "Отбой", notify_alert: "{kind}: срочно в укрытие", notify_clear: "Отбой",
  place_of: "{d}, {r}", airports: "Аэропорты", suspended: "закрыт",
  fallback_plain: "Запасной вариант: внутренняя комната без окон или подвал.", zoom_in: "Приблизить", zoom_out: "Отдалить", route_on_map: "Маршрут на карте", threat_generic: "Воздушная угроза",
  area_warning: "Время оповещения здесь: {w}", "warning_from.district": "время оповещения района",
  "warning_from.region": "время оповещения области", "warning_from.import": "время оповещения из данных улиц",
  step_free: "Маршрут без ступенек (коляска)", step_free_on: "Маршрут без ступенек: лестниц на пути нет.",
  step_free_missing: "Для этих улиц нет данных о доступности: на маршруте могут быть ступеньки или бордюры.",
};

const uk = {
  title: "Сповіщення про повітряну загрозу", skip: "Перейти до того, що діє тут", search_label: "Знайти місце",
  search_ph: "Місто, село, район або аеропорт", search: "Знайти", locate: "Моє місцезнаходження",
  map_label: "Карта: натисніть, щоб вибрати місце", your_area: "Ваш район", pick: "Натисніть на карту, знайдіть місце або визначте місцезнаходження.",
  shelter: "Найближче укриття", now: "Діє зараз", subscribe: "Отримувати сповіщення", channel: "Канал",
  address: "Телефон (+7…) або URL", sub_note: "Сповіщення для вибраного місця мовою цієї сторінки.",
  subscribe_btn: "Підписатися", sub_off: "Підписка на цьому сервері поки недоступна; користуйтеся стрічкою CAP.",
  feed: "Стрічка сповіщень CAP (Atom)", "regime.drone_hazard": "Загроза безпілотників", "regime.missile_hazard": "Ракетна небезпека",
  "regime.airspace_closed": "Повітряний простір закрито", "regime.none": "Немає режиму", no_regime: "Тут режимів немає.",
  outside: "Точка поза відомими районами: ми не можемо сказати, що там діє.", since: "з",
  instructions: "Що робити", not_found: "Не знайдено:", walk: "пішки", warning: "час оповіщення",
  reachable: "Встигнете дійти", unreachable: "Не встигнути за час оповіщення", short_by: "бракує",
  distance: "відстань", searching: "Шукаємо найближче укриття…",
  shelter_none: "Для цього місця немає даних про укриття (поза завантаженими вулицями). Перейдіть до внутрішньої кімнати без вікон або в підвал.",
  shelter_off: "Служба укриттів на цьому сервері недоступна. Перейдіть до внутрішньої кімнати без вікон або в підвал.",
  shelter_err: "Пошук укриття не відповів. Перейдіть до внутрішньої кімнати без вікон або в підвал.",
  capacity: "місткість", min: "хв", sec: "с", m: "м", legend_shelter: "Укриття", legend_closed: "Укриття зачинене",
  legend_route: "Пішохідний маршрут", building: "найближча будівля",
  safe_room: "Запасний варіант: найближча будівля за {d} ({w} пішки), внутрішня кімната без вікон.",
  safe_room_ok: "Встигнете дійти", safe_room_late: "Теж не встигнути: сховайтеся там, де ви є, подалі від вікон.",
  synthetic: "Демонстраційні дані: ці вулиці й укриття — синтетичний приклад, а не справжня карта.",
  geo_fail: "Браузер не передав місцезнаходження. Знайдіть своє місто через пошук.", sub_pick: "Спершу виберіть місце на карті.",
  nothing: "Режимів немає.", live: "онлайн", polling: "онлайн", offline: "немає зв’язку", stale_state: "зв’язок втрачено",
  where: "Де ви перебуваєте?", where_todo: "Натисніть «Моє місцезнаходження» або знайдіть своє місто, щоб побачити, що там діє і де сховатися.",
  level_alert: "{kind}: негайно в укриття", level_pre_alert: "{kind} наближається: будьте готові сховатися",
  level_all_clear: "Відбій", level_none: "Тут зараз немає загрози",
  todo_alert: "Ідіть до найближчого укриття зараз. Якщо не встигаєте — до внутрішньої кімнати без вікон. Залишайтеся там до відбою.",
  todo_pre_alert: "Будьте готові сховатися: знайте маршрут, тримайте телефон зарядженим, залишайтеся поруч з укриттям.",
  todo_all_clear: "Загроза минула. Можна залишити укриття. Не закривайте сторінку: вона знову попередить вас.",
  todo_none: "Для цього місця зараз нічого не оголошено. Не закривайте сторінку: вона попередить вас.",
  todo_regime: "Тут діє режим. Будьте уважні й готові сховатися.",
  level_regime: "{kind}: режим діє тут",
  approach_drone: "Безпілотники наближаються до вашого району — приблизно за {m} хв",
  approach_missile: "Ракети наближаються до вашого району — приблизно за {m} хв",
  stale: "Немає зв’язку з {t}: показане може бути застарілим. Намагаємося перепідключитися…",
  checking: "Перевіряємо поточну обстановку…",
  left: "залишилося, щоб дійти до укриття", time_up: "Час оповіщення минув: сховайтеся там, де ви є, подалі від вікон.",
  countdown_from: "від оповіщення о {t}, час оповіщення {w}",
  drill_Exercise: "НАВЧАННЯ — це навчальне сповіщення, а не справжнє. Ховатися через нього не потрібно.",
  drill_Test: "ТЕСТ — технічна перевірка, а не справжнє сповіщення. Нічого робити не потрібно.",
  drill_where: "Навчання тут:", threats: "Загрози", min_level: "Мінімальний рівень", lvl_minor: "Усі",
  lvl_moderate: "Помірні й вище", lvl_severe: "Серйозні й вище", lvl_extreme: "Лише надзвичайні",
  quiet: "Тихі години (надзвичайні сповіщення надходять завжди)", from: "з", to: "до",
  ch_push: "Сповіщення в цьому браузері", ch_sms: "SMS", ch_webhook: "Вебхук (URL)",
  code_label: "Код з SMS", code_btn: "Підтвердити", code_sent: "Ми надіслали код в SMS на {p}. Введіть його, щоб увімкнути сповіщення: до того нічого не надсилається.",
  code_bad: "Код неправильний. Перевірте SMS і спробуйте ще раз.", code_resend: "Надіслати новий код",
  code_unsent: "Зараз не вдалося надіслати код на цей номер. Натисніть «Надіслати новий код» за хвилину або виберіть інший канал.",
  sub_active: "Сповіщення увімкнено для {place} ({ch}).", sub_pending: "Очікує підтвердження ({ch}).",
  sub_gone: "Цю підписку завершено ({ch}).", unsubscribe: "Відписатися", unsubscribed: "Підписку скасовано.",
  push_denied: "Сповіщення в цьому браузері заборонені: дозвольте їх у налаштуваннях сайту або виберіть SMS.",
  push_none: "Цей браузер не приймає push-сповіщення. Виберіть SMS.",
  push_off: "Push-сповіщення на цьому сервері не налаштовані. Виберіть SMS.",
  err_field: "Перевірте: {f}.", err_rate: "Забагато спроб. Зачекайте хвилину й спробуйте знову.",
  err_generic: "На сервері щось пішло не так. Спробуйте ще раз за хвилину.",
  field_address: "номер телефону або адресу", field_quiet: "тихі години", field_code: "код",
  alarm_title: "ТРИВОГА", clear_title: "Відбій", notify_alert: "{kind}: негайно в укриття", notify_clear: "Відбій",
  place_of: "{d}, {r}", airports: "Аеропорти", suspended: "зачинено",
  fallback_plain: "Запасний варіант: внутрішня кімната без вікон або підвал.", zoom_in: "Наблизити", zoom_out: "Віддалити", route_on_map: "Маршрут на карті", threat_generic: "Повітряна загроза",
  area_warning: "Час оповіщення тут: {w}", "warning_from.district": "час оповіщення району",
  "warning_from.region": "час оповіщення області", "warning_from.import": "час оповіщення з даних вулиць",
  step_free: "Маршрут без сходинок (візок)", step_free_on: "Маршрут без сходинок: сходів на шляху немає.",
  step_free_missing: "Для цих вулиць немає даних про доступність: на маршруті можуть бути сходинки або бордюри.",
};

// air-raid alerts, one kind per threat (domain/air_raid.py): the same names as their CAP events
Object.assign(en, {
  "regime.air_raid_alert": "Air-raid alert", "regime.air_raid_drones": "Air-raid alert (drones)",
  "regime.air_raid_ballistic_missiles": "Air-raid alert (ballistic missiles)",
  "regime.air_raid_cruise_missiles": "Air-raid alert (cruise missiles)",
  "regime.air_raid_guided_bombs": "Air-raid alert (guided bombs)", "regime.air_raid_aircraft": "Air-raid alert (military aircraft)",
});
Object.assign(ru, {
  "regime.air_raid_alert": "Воздушная тревога", "regime.air_raid_drones": "Воздушная тревога (беспилотники)",
  "regime.air_raid_ballistic_missiles": "Воздушная тревога (баллистические ракеты)",
  "regime.air_raid_cruise_missiles": "Воздушная тревога (крылатые ракеты)",
  "regime.air_raid_guided_bombs": "Воздушная тревога (управляемые авиабомбы)",
  "regime.air_raid_aircraft": "Воздушная тревога (военная авиация)",
});
Object.assign(uk, {
  "regime.air_raid_alert": "Повітряна тривога", "regime.air_raid_drones": "Повітряна тривога (ударні БпЛА)",
  "regime.air_raid_ballistic_missiles": "Повітряна тривога (балістичні ракети)",
  "regime.air_raid_cruise_missiles": "Повітряна тривога (крилаті ракети)",
  "regime.air_raid_guided_bombs": "Повітряна тривога (керовані авіабомби)",
  "regime.air_raid_aircraft": "Повітряна тривога (військова авіація)",
});

export const T = { en, ru, uk };
export const LANGS = ["en", "ru", "uk"];

let current = localStorage.getItem("airwarn-lang") || (navigator.language || "en").slice(0, 2);
if (!T[current]) current = "en";

export function lang() { return current; }
export function setLang(l) { if (T[l]) { current = l; localStorage.setItem("airwarn-lang", l); } }

/** The sentence `key` in the page language, with `{name}` placeholders filled in. */
export function t(key, vars = {}) {
  let s = T[current][key] || T.en[key] || key;
  for (const [k, v] of Object.entries(vars)) s = s.replaceAll(`{${k}}`, String(v));
  return s;
}

/** A place's name in the page language (Ukrainian falls back to Russian, then English). */
export function placeName(p) {
  if (!p) return "";
  if (current === "uk") return p.name_uk || p.name_ru || p.name_en || p.code;
  if (current === "ru") return p.name_ru || p.name_en || p.code;
  return p.name_en || p.code;
}

/** A message for an API error in the page language: names the field, never repeats the server's sentence. */
export function apiErrorText(e) {
  if (e && e.status === 429) return t("err_rate");
  const field = e && e.body && (e.body.field || (e.body.errors && e.body.errors[0] && e.body.errors[0].field));
  if (e && e.status >= 400 && e.status < 500 && field) {
    const key = /code/.test(field) ? "field_code" : /quiet/.test(field) ? "field_quiet" : "field_address";
    return t("err_field", { f: t(key) });
  }
  return t("err_generic");
}

export function fmtDuration(sec) {
  const s = Math.max(0, Math.round(sec));
  return `${Math.floor(s / 60)} ${t("min")} ${s % 60} ${t("sec")}`;
}

export function locale() { return current === "ru" ? "ru-RU" : current === "uk" ? "uk-UA" : "en-GB"; }
