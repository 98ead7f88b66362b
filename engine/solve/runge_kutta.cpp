// Embedded explicit Runge-Kutta pairs (see runge_kutta.hpp).
//
// Coefficients, from the published tables:
//   dopri5: J. R. Dormand, P. J. Prince, "A family of embedded Runge-Kutta formulae",
//           J. Comput. Appl. Math. 6 (1980) 19-26; dense output: L. F. Shampine, "Some practical
//           Runge-Kutta formulas", Math. Comp. 46 (1986) 135-150, as given in E. Hairer,
//           S. P. Norsett, G. Wanner, "Solving Ordinary Differential Equations I", 2nd ed.,
//           Springer 1993, section II.5 (Table 5.2) and II.6 (the DOPRI5 continuous extension).
//   dop853: P. J. Prince, J. R. Dormand, "High order embedded Runge-Kutta formulae",
//           J. Comput. Appl. Math. 7 (1981) 67-75, with the 5th- and 3rd-order error estimates
//           and the 7th-order dense output of Hairer, Norsett & Wanner (1993), section II.10,
//           in the decimal values Hairer publishes with DOP853.
// Step-size control: the error norm of Hairer, Norsett & Wanner (1993) section II.4 and their
// PI ("stabilized") controller of section IV.2 (the one in DOPRI5/DOP853), beta = 0.04.
// The tests check the order conditions of both tables and the convergence orders.
#include "engine/solve/runge_kutta.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace magsim::engine {

constexpr int kMaxStages = 16;

struct RungeKuttaTableau {
  int tried_stages;  // k[1 .. tried_stages-1] are evaluated at every try (k[0]: f at the start)
  int final_stage;   // index of f(t + h, y_new), the next step's k[0]
  int order;         // of the propagated solution (5 or 8)
  double c[kMaxStages];
  double a[kMaxStages][kMaxStages];
  double b[kMaxStages];  // y_new = y + h sum_j b_j k_j
  double e[kMaxStages];  // dopri5: error = h sum_j e_j k_j
  // PI controller: h_new = h / factor, factor = err^exponent / err_old^beta / 0.9, limited so
  // that h / max_shrink <= h_new <= h * max_growth.
  double exponent, beta, max_shrink, max_growth;
};

namespace {

RungeKuttaTableau make_dopri5() {
  RungeKuttaTableau t{};
  t.tried_stages = 7;
  t.final_stage = 6;
  t.order = 5;
  const double c[7] = {0, 1. / 5, 3. / 10, 4. / 5, 8. / 9, 1, 1};
  std::copy(c, c + 7, t.c);
  t.a[1][0] = 1. / 5;
  t.a[2][0] = 3. / 40, t.a[2][1] = 9. / 40;
  t.a[3][0] = 44. / 45, t.a[3][1] = -56. / 15, t.a[3][2] = 32. / 9;
  t.a[4][0] = 19372. / 6561, t.a[4][1] = -25360. / 2187, t.a[4][2] = 64448. / 6561,
  t.a[4][3] = -212. / 729;
  t.a[5][0] = 9017. / 3168, t.a[5][1] = -355. / 33, t.a[5][2] = 46732. / 5247,
  t.a[5][3] = 49. / 176, t.a[5][4] = -5103. / 18656;
  const double b[7] = {35. / 384, 0, 500. / 1113, 125. / 192, -2187. / 6784, 11. / 84, 0};
  std::copy(b, b + 7, t.b);
  std::copy(b, b + 7, t.a[6]);  // the 7th stage is at the new point
  const double e[7] = {71. / 57600,      0, -71. / 16695, 71. / 1920, -17253. / 339200,
                       22. / 525, -1. / 40};
  std::copy(e, e + 7, t.e);
  t.beta = 0.04;
  t.exponent = 1.0 / 5 - 0.75 * t.beta;
  t.max_shrink = 5.0;    // h_new >= h / 5
  t.max_growth = 10.0;   // h_new <= 10 h
  return t;
}

// Shampine's continuous extension of dopri5 (Hairer's d coefficients).
constexpr double kDopri5Dense[7] = {-12715105075.0 / 11282082432.0, 0,
                                    87487479700.0 / 32700410799.0,  -10690763975.0 / 1880347072.0,
                                    701980252875.0 / 199316789632.0, -1453857185.0 / 822651844.0,
                                    69997945.0 / 29380423.0};

// DOP853: k[0..11] per try (k[11] at t + h), k[12] = f(t + h, y_new), k[13..15] for dense output.
RungeKuttaTableau make_dop853() {
  RungeKuttaTableau t{};
  t.tried_stages = 12;
  t.final_stage = 12;
  t.order = 8;
  const double c[16] = {0,
                        0.526001519587677318785587544488e-01,
                        0.789002279381515978178381316732e-01,
                        0.118350341907227396726757197510e+00,
                        0.281649658092772603273242802490e+00,
                        0.333333333333333333333333333333e+00,
                        0.25,
                        0.307692307692307692307692307692e+00,
                        0.651282051282051282051282051282e+00,
                        0.6,
                        0.857142857142857142857142857142e+00,
                        1,
                        1,
                        0.1,
                        0.2,
                        0.777777777777777777777777777778e+00};
  std::copy(c, c + 16, t.c);
  auto& a = t.a;
  a[1][0] = 5.26001519587677318785587544488e-2;
  a[2][0] = 1.97250569845378994544595329183e-2;
  a[2][1] = 5.91751709536136983633785987549e-2;
  a[3][0] = 2.95875854768068491816892993775e-2;
  a[3][2] = 8.87627564304205475450678981324e-2;
  a[4][0] = 2.41365134159266685502369798665e-1;
  a[4][2] = -8.84549479328286085344864962717e-1;
  a[4][3] = 9.24834003261792003115737966543e-1;
  a[5][0] = 3.7037037037037037037037037037e-2;
  a[5][3] = 1.70828608729473871279604482173e-1;
  a[5][4] = 1.25467687566822425016691814123e-1;
  a[6][0] = 3.7109375e-2;
  a[6][3] = 1.70252211019544039314978060272e-1;
  a[6][4] = 6.02165389804559606850219397283e-2;
  a[6][5] = -1.7578125e-2;
  a[7][0] = 3.70920001185047927108779319836e-2;
  a[7][3] = 1.70383925712239993810214054705e-1;
  a[7][4] = 1.07262030446373284651809199168e-1;
  a[7][5] = -1.53194377486244017527936158236e-2;
  a[7][6] = 8.27378916381402288758473766002e-3;
  a[8][0] = 6.24110958716075717114429577812e-1;
  a[8][3] = -3.36089262944694129406857109825e0;
  a[8][4] = -8.68219346841726006818189891453e-1;
  a[8][5] = 2.75920996994467083049415600797e1;
  a[8][6] = 2.01540675504778934086186788979e1;
  a[8][7] = -4.34898841810699588477366255144e1;
  a[9][0] = 4.77662536438264365890433908527e-1;
  a[9][3] = -2.48811461997166764192642586468e0;
  a[9][4] = -5.90290826836842996371446475743e-1;
  a[9][5] = 2.12300514481811942347288949897e1;
  a[9][6] = 1.52792336328824235832596922938e1;
  a[9][7] = -3.32882109689848629194453265587e1;
  a[9][8] = -2.03312017085086261358222928593e-2;
  a[10][0] = -9.3714243008598732571704021658e-1;
  a[10][3] = 5.18637242884406370830023853209e0;
  a[10][4] = 1.09143734899672957818500254654e0;
  a[10][5] = -8.14978701074692612513997267357e0;
  a[10][6] = -1.85200656599969598641566180701e1;
  a[10][7] = 2.27394870993505042818970056734e1;
  a[10][8] = 2.49360555267965238987089396762e0;
  a[10][9] = -3.0467644718982195003823669022e0;
  a[11][0] = 2.27331014751653820792359768449e0;
  a[11][3] = -1.05344954667372501984066689879e1;
  a[11][4] = -2.00087205822486249909675718444e0;
  a[11][5] = -1.79589318631187989172765950534e1;
  a[11][6] = 2.79488845294199600508499808837e1;
  a[11][7] = -2.85899827713502369474065508674e0;
  a[11][8] = -8.87285693353062954433549289258e0;
  a[11][9] = 1.23605671757943030647266201528e1;
  a[11][10] = 6.43392746015763530355970484046e-1;
  auto& b = t.b;
  b[0] = 5.42937341165687622380535766363e-2;
  b[5] = 4.45031289275240888144113950566e0;
  b[6] = 1.89151789931450038304281599044e0;
  b[7] = -5.8012039600105847814672114227e0;
  b[8] = 3.1116436695781989440891606237e-1;
  b[9] = -1.52160949662516078556178806805e-1;
  b[10] = 2.01365400804030348374776537501e-1;
  b[11] = 4.47106157277725905176885569043e-2;
  std::copy(b, b + 12, a[12]);  // f at the new point
  // Stages of the dense output.
  a[13][0] = 5.61675022830479523392909219681e-2;
  a[13][6] = 2.53500210216624811088794765333e-1;
  a[13][7] = -2.46239037470802489917441475441e-1;
  a[13][8] = -1.24191423263816360469010140626e-1;
  a[13][9] = 1.5329179827876569731206322685e-1;
  a[13][10] = 8.20105229563468988491666602057e-3;
  a[13][11] = 7.56789766054569976138603589584e-3;
  a[13][12] = -8.298e-3;
  a[14][0] = 3.18346481635021405060768473261e-2;
  a[14][5] = 2.83009096723667755288322961402e-2;
  a[14][6] = 5.35419883074385676223797384372e-2;
  a[14][7] = -5.49237485713909884646569340306e-2;
  a[14][10] = -1.08347328697249322858509316994e-4;
  a[14][11] = 3.82571090835658412954920192323e-4;
  a[14][12] = -3.40465008687404560802977114492e-4;
  a[14][13] = 1.41312443674632500278074618366e-1;
  a[15][0] = -4.28896301583791923408573538692e-1;
  a[15][5] = -4.69762141536116384314449447206e0;
  a[15][6] = 7.68342119606259904184240953878e0;
  a[15][7] = 4.06898981839711007970213554331e0;
  a[15][8] = 3.56727187455281109270669543021e-1;
  a[15][12] = -1.39902416515901462129418009734e-3;
  a[15][13] = 2.9475147891527723389556272149e0;
  a[15][14] = -9.15095847217987001081870187138e0;
  t.beta = 0.04;
  t.exponent = 1.0 / 8 - 0.2 * t.beta;
  t.max_shrink = 1.0 / 0.333;  // h_new >= 0.333 h
  t.max_growth = 6.0;          // h_new <= 6 h
  return t;
}

// DOP853's error estimates: the 5th-order one (e5 . k) and the 3rd-order one (b - bhh . k).
constexpr double kDop853E5[12] = {0.1312004499419488073250102996e-01, 0, 0, 0, 0,
                                  -0.1225156446376204440720569753e+01,
                                  -0.4957589496572501915214079952e+00,
                                  0.1664377182454986536961530415e+01,
                                  -0.3503288487499736816886487290e+00,
                                  0.3341791187130174790297318841e+00,
                                  0.8192320648511571246570742613e-01,
                                  -0.2235530786388629525884427845e-01};
constexpr double kDop853Bhh[3] = {0.244094488188976377952755905512e+00,    // k[0]
                                  0.733846688281611857341361741547e+00,    // k[8]
                                  0.220588235294117647058823529412e-01};   // k[11]

// DOP853's dense output: rows d4..d7 over k[0], k[5..15] (k[1..4] do not enter).
constexpr double kDop853Dense[4][16] = {
    {-0.84289382761090128651353491142e+01, 0, 0, 0, 0, 0.56671495351937776962531783590e+00,
     -0.30689499459498916912797304727e+01, 0.23846676565120698287728149680e+01,
     0.21170345824450282767155149946e+01, -0.87139158377797299206789907490e+00,
     0.22404374302607882758541771650e+01, 0.63157877876946881815570249290e+00,
     -0.88990336451333310820698117400e-01, 0.18148505520854727256656404962e+02,
     -0.91946323924783554000451984436e+01, -0.44360363875948939664310572000e+01},
    {0.10427508642579134603413151009e+02, 0, 0, 0, 0, 0.24228349177525818288430175319e+03,
     0.16520045171727028198505394887e+03, -0.37454675472269020279518312152e+03,
     -0.22113666853125306036270938578e+02, 0.77334326684722638389603898808e+01,
     -0.30674084731089398182061213626e+02, -0.93321305264302278729567221706e+01,
     0.15697238121770843886131091075e+02, -0.31139403219565177677282850411e+02,
     -0.93529243588444783865713862664e+01, 0.35816841486394083752465898540e+02},
    {0.19985053242002433820987653617e+02, 0, 0, 0, 0, -0.38703730874935176555105901742e+03,
     -0.18917813819516756882830838328e+03, 0.52780815920542364900561016686e+03,
     -0.11573902539959630126141871134e+02, 0.68812326946963000169666922661e+01,
     -0.10006050966910838403183860980e+01, 0.77771377980534432092869265740e+00,
     -0.27782057523535084065932004339e+01, -0.60196695231264120758267380846e+02,
     0.84320405506677161018159903784e+02, 0.11992291136182789328035130030e+02},
    {-0.25693933462703749003312586129e+02, 0, 0, 0, 0, -0.15418974869023643374053993627e+03,
     -0.23152937917604549567536039109e+03, 0.35763911791061412378285349910e+03,
     0.93405324183624310003907691704e+02, -0.37458323136451633156875139351e+02,
     0.10409964950896230045147246184e+03, 0.29840293426660503123344363579e+02,
     -0.43533456590011143754432175058e+02, 0.96324553959188282948394950600e+02,
     -0.39177261675615439165231486172e+02, -0.14972683625798562581422125276e+03}};

const RungeKuttaTableau& tableau(RungeKuttaPair pair) {
  static const RungeKuttaTableau dopri5 = make_dopri5();
  static const RungeKuttaTableau dop853 = make_dop853();
  return pair == RungeKuttaPair::DormandPrince54 ? dopri5 : dop853;
}

}  // namespace

ExplicitRungeKutta::ExplicitRungeKutta(RungeKuttaPair pair, std::size_t n, double atol,
                                       double rtol, double max_step)
    : pair_(pair),
      tab_(tableau(pair)),
      n_(n),
      atol_(atol),
      rtol_(rtol),
      max_step_(max_step),
      k_(pair == RungeKuttaPair::DormandPrince54 ? 7 : 16, std::vector<double>(n)),
      y_(n),
      y_new_(n),
      y_old_(n),
      tmp_(n),
      err_(n),
      err2_(n),
      dense_(pair == RungeKuttaPair::DormandPrince54 ? 0 : 4, std::vector<double>(n)) {}

void ExplicitRungeKutta::initialize(const std::vector<double>& y, double t, double dt) {
  std::copy(y.begin(), y.begin() + static_cast<std::ptrdiff_t>(n_), y_.begin());
  t_ = t;
  h_ = std::min(dt, max_step_);
  start_derivative_ready_ = false;
  start_derivative_in_last_ = false;
  dense_ready_ = false;
  last_rejected_ = false;
}

void ExplicitRungeKutta::set_step(double dt) { h_ = std::min(dt, max_step_); }

// k[i] = f(t + c_i h, y + h sum_j a_ij k[j]).
void ExplicitRungeKutta::stage(const RhsFunction& f, int i, double h) {
  const auto& row = tab_.a[i];
  std::copy(y_.begin(), y_.end(), tmp_.begin());
  for (int j = 0; j < i; ++j) {
    if (row[j] == 0) continue;
    const double ha = h * row[j];
    const double* kj = k_[static_cast<std::size_t>(j)].data();
    for (std::size_t m = 0; m < n_; ++m) tmp_[m] += ha * kj[m];
  }
  f(tmp_.data(), k_[static_cast<std::size_t>(i)].data(), t_ + tab_.c[i] * h);
}

double ExplicitRungeKutta::attempt(const RhsFunction& f, double h) {
  for (int i = 1; i < tab_.tried_stages; ++i)
    if (i != tab_.final_stage) stage(f, i, h);
  // The propagated solution.
  std::copy(y_.begin(), y_.end(), y_new_.begin());
  for (int j = 0; j < tab_.tried_stages; ++j) {
    if (tab_.b[j] == 0) continue;
    const double hb = h * tab_.b[j];
    const double* kj = k_[static_cast<std::size_t>(j)].data();
    for (std::size_t m = 0; m < n_; ++m) y_new_[m] += hb * kj[m];
  }
  double sum = 0;
  if (pair_ == RungeKuttaPair::DormandPrince54) {
    f(y_new_.data(), k_[6].data(), t_ + h);
    for (std::size_t m = 0; m < n_; ++m) {
      double e = 0;
      for (int j = 0; j < 7; ++j) e += tab_.e[j] * k_[static_cast<std::size_t>(j)][m];
      const double sk = atol_ + rtol_ * std::max(std::abs(y_[m]), std::abs(y_new_[m]));
      const double r = h * e / sk;
      sum += r * r;
    }
    return std::sqrt(sum / static_cast<double>(n_));
  }
  // DOP853: the 5th-order estimate, damped by the 3rd-order one where that one is larger.
  double sum3 = 0;
  for (std::size_t m = 0; m < n_; ++m) {
    double e5 = 0, bk = 0;
    for (int j = 0; j < 12; ++j) {
      const double kj = k_[static_cast<std::size_t>(j)][m];
      e5 += kDop853E5[j] * kj;
      bk += tab_.b[j] * kj;
    }
    const double e3 = bk - kDop853Bhh[0] * k_[0][m] - kDop853Bhh[1] * k_[8][m] -
                      kDop853Bhh[2] * k_[11][m];
    const double sk = atol_ + rtol_ * std::max(std::abs(y_[m]), std::abs(y_new_[m]));
    sum += (e5 / sk) * (e5 / sk);
    sum3 += (e3 / sk) * (e3 / sk);
  }
  double denominator = sum + 0.01 * sum3;
  if (!(denominator > 0)) denominator = 1;
  return std::abs(h) * sum * std::sqrt(1.0 / (static_cast<double>(n_) * denominator));
}

std::pair<double, double> ExplicitRungeKutta::do_step(const RhsFunction& f) {
  if (start_derivative_in_last_) {
    k_[0].swap(k_[static_cast<std::size_t>(tab_.final_stage)]);
    start_derivative_in_last_ = false;
  } else if (!start_derivative_ready_) {
    f(y_.data(), k_[0].data(), t_);
  }
  start_derivative_ready_ = true;
  dense_ready_ = false;
  last_f_ = f;
  double h = std::min(h_, max_step_);
  for (;;) {
    if (!(h > 1e-13 * std::max(1.0, std::abs(t_))))
      throw std::runtime_error("step size underflow");
    const double err = attempt(f, h);
    if (!std::isfinite(err)) {  // f blew up inside the step: try a much smaller one
      ++rejected_;
      last_rejected_ = true;
      h /= tab_.max_shrink;
      continue;
    }
    const double fac11 = std::pow(err, tab_.exponent);
    if (err <= 1.0) {
      double factor = fac11 / std::pow(err_old_, tab_.beta) / 0.9;
      factor = std::clamp(factor, 1.0 / tab_.max_growth, tab_.max_shrink);
      double h_next = h / factor;
      if (last_rejected_) h_next = std::min(h_next, h);
      err_old_ = std::max(err, 1e-4);
      last_rejected_ = false;
      ++accepted_;
      if (pair_ == RungeKuttaPair::DormandPrince853)
        f(y_new_.data(), k_[12].data(), t_ + h);
      y_old_.swap(y_);
      y_.swap(y_new_);
      t_old_ = t_;
      h_done_ = h;
      t_ = t_ + h;
      h_ = std::min(h_next, max_step_);
      start_derivative_in_last_ = true;
      start_derivative_ready_ = false;
      return {t_old_, t_};
    }
    ++rejected_;
    last_rejected_ = true;
    h /= std::min(tab_.max_shrink, fac11 / 0.9);
  }
}

// DOP853: the three extra stages and the coefficients of the 7th-order interpolant.
void ExplicitRungeKutta::prepare_dense() {
  // The stages start from the step's initial point: y_ and t_ stand there for a moment.
  y_.swap(y_old_);
  const double t_end = t_;
  t_ = t_old_;
  for (int i = 13; i < 16; ++i) stage(last_f_, i, h_done_);
  t_ = t_end;
  y_.swap(y_old_);
  for (std::size_t r = 0; r < 4; ++r) {
    const double* d = kDop853Dense[r];
    for (std::size_t m = 0; m < n_; ++m) {
      double s = d[0] * k_[0][m];
      for (std::size_t j = 5; j < 16; ++j) s += d[j] * k_[j][m];
      dense_[r][m] = h_done_ * s;
    }
  }
  dense_ready_ = true;
}

void ExplicitRungeKutta::calc_state(double t, std::vector<double>& y) {
  const double s = (t - t_old_) / h_done_;
  const double s1 = 1.0 - s;
  const double h = h_done_;
  const auto& k_end = k_[static_cast<std::size_t>(tab_.final_stage)];
  if (pair_ == RungeKuttaPair::DormandPrince54) {
    for (std::size_t m = 0; m < n_; ++m) {
      const double r2 = y_[m] - y_old_[m];
      const double r3 = h * k_[0][m] - r2;
      const double r4 = r2 - h * k_end[m] - r3;
      double d = 0;
      for (std::size_t j = 0; j < 7; ++j) d += kDopri5Dense[j] * k_[j][m];
      const double r5 = h * d;
      y[m] = y_old_[m] + s * (r2 + s1 * (r3 + s * (r4 + s1 * r5)));
    }
    return;
  }
  if (!dense_ready_) prepare_dense();
  for (std::size_t m = 0; m < n_; ++m) {
    const double r2 = y_[m] - y_old_[m];
    const double r3 = h * k_[0][m] - r2;
    const double r4 = r2 - h * k_end[m] - r3;
    const double conpar = dense_[0][m] + s * (dense_[1][m] + s1 * (dense_[2][m] + s * dense_[3][m]));
    y[m] = y_old_[m] + s * (r2 + s1 * (r3 + s * (r4 + s1 * conpar)));
  }
}

}  // namespace magsim::engine
