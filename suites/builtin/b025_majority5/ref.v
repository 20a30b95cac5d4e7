module TopModule (
  input  [4:0] v,
  output       maj
);
  wire [2:0] ones = v[0] + v[1] + v[2] + v[3] + v[4];
  assign maj = ones >= 3'd3;
endmodule
